package dev.runbook.cli;

import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A command's options and parameters, declared through picocli's programmatic model instead of
 * its annotations. Reading annotations makes the JVM generate a proxy class for each annotation
 * type at run time, which Java 17's class-data archive cannot hold: about 60 ms of every start
 * (bench/RESULTS.md, round 12). Each value is handed to the command by a typed setter; an option
 * that is not given leaves the command's field as initialised, and a default value is set like a
 * given one. Parsing, conversion, errors and help stay picocli's.
 */
final class CliSpec {
    /** A command object that declares its own options. */
    interface Command {
        CliSpec spec();
    }

    private final CommandSpec spec;

    private CliSpec(CommandSpec spec) {
        this.spec = spec;
    }

    /** A command named {@code name} that runs {@code command} (a Callable, or an object with subcommands only). */
    static CliSpec command(String name, Object command, String... description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name);
        spec.usageMessage().description(description);
        CliSpec cli = new CliSpec(spec);
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help and exit.").build());
        return cli;
    }

    CommandSpec commandSpec() {
        return spec;
    }

    /** Whether the command line gave the option {@code name}, as opposed to its default standing. */
    boolean given(String name) {
        var line = spec.commandLine();
        return line != null && line.getParseResult() != null && line.getParseResult().hasMatchedOption(name);
    }

    CliSpec footer(String... lines) {
        spec.usageMessage().footer(lines);
        return this;
    }

    CliSpec version(String version) {
        spec.version(version);
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print version information and exit.").build());
        return this;
    }

    CliSpec subcommand(Command command) {
        CliSpec sub = command.spec();
        spec.addSubcommand(sub.spec.name(), sub.spec);
        return this;
    }

    /** A flag without a value: true when given. */
    Arg<Boolean> flag(String... names) {
        return new Arg<>(names, null, boolean.class);
    }

    /** An option with one value; {@link Arg#type} sets its type (String unless told). */
    Arg<String> option(String... names) {
        return new Arg<>(names, null, String.class);
    }

    /** An option that may be repeated; the values in the order given. */
    <T> Arg<List<T>> repeatable(Class<T> element, String... names) {
        return new Arg<List<T>>(names, null, List.class).elements(element);
    }

    /** The positional parameter at {@code index}: required unless {@link Arg#optional()}. */
    <T> Arg<T> positional(int index, Class<T> type) {
        return new Arg<>(null, String.valueOf(index), type);
    }

    /** Every positional parameter, none or more. */
    <T> Arg<List<T>> positionals(Class<T> element) {
        return new Arg<List<T>>(null, "0..*", List.class).elements(element).arity("0..*");
    }

    /** One option (with names) or positional parameter (with an index) being declared; {@link #to} adds it to the command. */
    final class Arg<T> {
        private final String[] names;
        private final String index;
        private Class<?> type;
        private Class<?> element;
        private String label;
        private String[] description = {};
        private String defaultValue;
        private boolean required;
        private String arity;
        private boolean negatable;
        private boolean hidden;

        private Arg(String[] names, String index, Class<?> type) {
            this.names = names;
            this.index = index;
            this.type = type;
        }

        @SuppressWarnings("unchecked")
        <U> Arg<U> type(Class<U> newType) {
            type = newType;
            return (Arg<U>) this;
        }

        private Arg<T> elements(Class<?> elementType) {
            element = elementType;
            return this;
        }

        private Arg<T> arity(String range) {
            arity = range;
            return this;
        }

        Arg<T> label(String paramLabel) {
            label = paramLabel;
            return this;
        }

        Arg<T> describe(String... lines) {
            description = lines;
            return this;
        }

        Arg<T> defaultValue(String value) {
            defaultValue = value;
            return this;
        }

        Arg<T> required() {
            required = true;
            return this;
        }

        /** A positional parameter that may be left out. */
        Arg<T> optional() {
            return arity("0..1");
        }

        /** Taken, but left out of the help. */
        Arg<T> hidden() {
            hidden = true;
            return this;
        }

        /** A flag that also has a {@code --no-} form; on unless {@code defaultOn} is false. */
        Arg<T> negatable(boolean defaultOn) {
            negatable = true;
            return defaultValue(String.valueOf(defaultOn));
        }

        CliSpec to(Consumer<T> setter) {
            Binding<T> binding = new Binding<>(setter);
            Class<?>[] auxiliary = element == null ? new Class<?>[] {type} : new Class<?>[] {element};
            if (names != null) {
                OptionSpec.Builder option = OptionSpec.builder(names).type(type).auxiliaryTypes(auxiliary).description(description)
                        .defaultValue(defaultValue).required(required).hidden(hidden).hasInitialValue(false).getter(binding).setter(binding);
                if (label != null) {
                    option.paramLabel(label);
                }
                if (negatable) {
                    option.negatable(true).fallbackValue("true");
                }
                spec.addOption(option.build());
            } else {
                PositionalParamSpec.Builder positional = PositionalParamSpec.builder().index(index).type(type).auxiliaryTypes(auxiliary)
                        .description(description).arity(arity != null ? arity : "1").required(arity == null)
                        .hasInitialValue(false).getter(binding).setter(binding);
                if (label != null) {
                    positional.paramLabel(label);
                }
                spec.addPositional(positional.build());
            }
            return CliSpec.this;
        }
    }

    /** Hands each value picocli sets to the command; picocli reads a repeated option's list back to add to it. */
    private static final class Binding<T> implements IGetter, ISetter {
        private final Consumer<T> setter;
        private Object value;

        Binding(Consumer<T> setter) {
            this.setter = setter;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> V get() {
            return (V) value;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> V set(V newValue) {
            Object old = value;
            value = newValue;
            setter.accept((T) newValue);
            return (V) old;
        }
    }
}
