package dev.runbook.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What a step does. Every kind is listed here; the engine dispatches over them in one place. */
public sealed interface Action
        permits Action.Run, Action.Script, Action.Assert, Action.Wait, Action.Confirm, Action.Http,
                Action.Call, Action.Block, Action.Sql, Action.WebSocket {

    /** Whether this kind can change anything by itself (a probe cannot). */
    default boolean mutating() {
        return true;
    }

    /** A command line run by {@code shell -c} on the target. */
    record Run(Text command, String shell) implements Action {}

    /** A multi-line script sent to the target's interpreter on stdin. */
    record Script(Text body, String shell) implements Action {}

    /** An expression that must hold. */
    record Assert(Text expr, Text message) implements Action {
        @Override
        public boolean mutating() {
            return false;
        }
    }

    /**
     * Waits a fixed duration, or until an expression or a command holds (polled every
     * {@code interval}) with {@code timeout} as the deadline.
     */
    record Wait(Duration duration, Text until, Text untilCommand, Duration timeout, Duration interval)
            implements Action {
        @Override
        public boolean mutating() {
            return false;
        }
    }

    /** A gate alone: the step's {@link Step.Gate} is all it does. */
    record Confirm() implements Action {
        @Override
        public boolean mutating() {
            return false;
        }
    }

    /**
     * An HTTP request.
     *
     * @param body         a template for the request body, or null
     * @param json         a YAML value sent as JSON (its strings are templates), or null
     * @param expectStatus acceptable statuses; empty means any 2xx
     * @param caFile       a PEM file of CAs to trust instead of the system's, or null
     * @param form         multipart text fields (templates)
     * @param files        multipart file fields: name to a path (templates), streamed from disk
     */
    record Http(Text url, String method, Map<String, Text> headers, Text body, Object json,
                List<Integer> expectStatus, Duration timeout, boolean verifyTls, Text caFile,
                boolean followRedirects, Map<String, Text> form, Map<String, Text> files) implements Action {
        public Http {
            headers = Map.copyOf(headers);
            expectStatus = List.copyOf(expectStatus);
            form = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(form));
            files = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(files));
        }

        /** Whether the body is multipart/form-data built from {@code form} fields and {@code files}. */
        public boolean multipart() {
            return !form.isEmpty() || !files.isEmpty();
        }

        @Override
        public boolean mutating() {
            return !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
        }
    }

    /**
     * Calls another runbook with params (their strings are templates).
     *
     * @param target the name or path as written; {@code resolved} is the file it names
     */
    record Call(Text target, java.nio.file.Path resolved, Map<String, Object> params) implements Action {
        public Call {
            params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        }
    }

    /** Nested steps; {@code rescue} runs when one fails, {@code always} runs in any case. */
    record Block(List<Step> steps, List<Step> rescue, List<Step> always) implements Action {
        public Block {
            steps = List.copyOf(steps);
            rescue = List.copyOf(rescue);
            always = List.copyOf(always);
        }

        @Override
        public boolean mutating() {
            return false;
        }
    }

    /**
     * A SQL statement on a named database connection; values spliced in become bind parameters.
     *
     * @param database the connection's name in the inventory or configuration
     */
    record Sql(Text statement, Text database, Duration statementTimeout, boolean transaction)
            implements Action {}

    /**
     * Opens a WebSocket, sends messages, and waits (until {@code timeout}) for a message that
     * matches {@code expectJson} (every field equal) or {@code expectText} (a regex), or for any
     * message when neither is given.
     *
     * @param send text messages (templates) or YAML values sent as JSON
     */
    record WebSocket(Text url, Map<String, Text> headers, List<Object> send, Map<String, Object> expectJson,
                     Text expectText, Duration timeout, boolean verifyTls, Text caFile) implements Action {
        public WebSocket {
            headers = Map.copyOf(headers);
            send = List.copyOf(send);
            expectJson = expectJson == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(expectJson));
        }

        @Override
        public boolean mutating() {
            return false;
        }
    }
}
