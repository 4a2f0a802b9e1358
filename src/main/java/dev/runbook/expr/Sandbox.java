package dev.runbook.expr;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.jexl3.JexlBuilder;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlFeatures;
import org.apache.commons.jexl3.internal.introspection.Uberspect;
import org.apache.commons.jexl3.introspection.JexlPermissions;
import org.apache.commons.jexl3.introspection.JexlUberspect;
import org.apache.commons.logging.impl.NoOpLog;

/**
 * The one JEXL engine all expressions run in. Its features forbid assignment, loops, {@code new},
 * lambdas, pragmas and method calls; its permissions let introspection reach only map and list
 * lookups and the static functions of {@link Functions}. JEXL's RESTRICTED preset alone still
 * allowed {@code x.getClass()}, so nothing here starts from it.
 */
final class Sandbox {
    private static final Set<String> COLLECTION_METHODS = Set.of("get", "containsKey", "size", "isEmpty");

    static final JexlEngine ENGINE = create();

    private Sandbox() {}

    private static JexlEngine create() {
        JexlFeatures features = new JexlFeatures()
                .sideEffect(false)
                .sideEffectGlobal(false)
                .loops(false)
                .newInstance(false)
                .methodCall(false)
                .lambda(false)
                .annotation(false)
                .pragma(false)
                .importPragma(false)
                .namespacePragma(false)
                .register(false)
                .localVar(false)
                .script(false)
                .structuredLiteral(true);
        Map<String, Object> namespaces = new HashMap<>();
        namespaces.put(null, Functions.class);
        Permissions permissions = new Permissions();
        return new JexlBuilder()
                .features(features)
                .permissions(permissions)
                // our own introspector with the same permissions: JEXL's default one asks commons-logging
                // for a logger first, and its discovery costs every start-up about 15 ms
                .uberspect(new Uberspect(new NoOpLog(), JexlUberspect.JEXL_STRATEGY, permissions))
                .namespaces(namespaces)
                .strict(true)
                .arithmetic(new Arithmetic(true))
                .safe(false)
                .silent(false)
                .cache(512)
                .logger(new NoOpLog())
                .create();
    }

    /** Allows map and list lookups and our functions; denies every other class member. */
    static final class Permissions implements JexlPermissions {
        @Override
        public boolean allow(Package pack) {
            return true;
        }

        @Override
        public boolean allow(Class<?> clazz) {
            return clazz == Functions.class
                    || Map.class.isAssignableFrom(clazz)
                    || Collection.class.isAssignableFrom(clazz)
                    || clazz == String.class
                    || clazz == Boolean.class
                    || Number.class.isAssignableFrom(clazz);
        }

        @Override
        public boolean allow(Constructor<?> ctor) {
            return false;
        }

        @Override
        public boolean allow(Method method) {
            Class<?> owner = method.getDeclaringClass();
            if (owner == Functions.class) {
                return java.lang.reflect.Modifier.isStatic(method.getModifiers());
            }
            return (Map.class.isAssignableFrom(owner) || List.class.isAssignableFrom(owner)
                    || Collection.class.isAssignableFrom(owner))
                    && COLLECTION_METHODS.contains(method.getName());
        }

        @Override
        public boolean allow(Field field) {
            return false;
        }

        @Override
        public JexlPermissions compose(String... src) {
            return this;
        }
    }
}
