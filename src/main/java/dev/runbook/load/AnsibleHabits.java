package dev.runbook.load;

import java.util.Map;

/**
 * Keys an Ansible author writes out of habit, and what to write here instead. Only keys this
 * format does not know are listed (a known key is never hinted away from).
 */
final class AnsibleHabits {
    private AnsibleHabits() {}

    private static final String RUN = "Ansible's %s: is run: here, a command line for /bin/sh -c";
    private static final String LOOP = "Ansible's %s: is loop: here, e.g. loop: \"{{ vars.services }}\" with item and loop.index, counted from 0";
    private static final String CALL = "Ansible's %s: is a runbook: step here, calling another runbook with params:";
    private static final String RETRY = "retry: here, e.g. retry: {attempts: 5, delay: 10s, until: EXPR}";

    /** Unknown step keys. */
    static final Map<String, String> STEP = Map.ofEntries(
            Map.entry("command", RUN.formatted("command")),
            Map.entry("raw", RUN.formatted("raw")),
            Map.entry("with_items", LOOP.formatted("with_items")),
            Map.entry("with_list", LOOP.formatted("with_list")),
            Map.entry("loop_control", "loop_control: {loop_var: NAME} is loop_var: NAME here, beside loop:"),
            Map.entry("register", "not needed: every step's result is already steps.<id>, e.g. steps.ID.stdout or steps.ID.ok"),
            Map.entry("ignore_errors", "Ansible's ignore_errors: true is on_failure: continue here"),
            Map.entry("failed_when", "a step fails on a non-zero exit; a condition of your own is check: {assert: EXPR} here, with result for this step"),
            Map.entry("changed_when", "runbook has no 'changed' state; leave it out"),
            Map.entry("until", "until: goes inside " + RETRY),
            Map.entry("retries", "Ansible's retries: is " + RETRY),
            Map.entry("delay", "Ansible's delay: is " + RETRY),
            Map.entry("become_user", "become: USER here, or become: {user: USER, password: SECRET_NAME}"),
            Map.entry("become_method", "become runs sudo here; there is no other method"),
            Map.entry("delegate_to", "targets: PATTERN runs one step on other hosts here"),
            Map.entry("include_tasks", CALL.formatted("include_tasks")),
            Map.entry("import_tasks", CALL.formatted("import_tasks")),
            Map.entry("no_log", "secrets: and params with secret: true are masked everywhere here; nothing to switch off"),
            Map.entry("vars", "vars: belong at the top of the runbook here, not on a step"));

    /** Unknown top-level keys: a playbook's. */
    static final Map<String, String> TOP = Map.of(
            "hosts", "Ansible's hosts: is targets: here",
            "tasks", "Ansible's tasks: is steps: here",
            "post_tasks", "steps that always run at the end are finally: here",
            "serial", "Ansible's serial: N is batch: N here, each batch of hosts through every step before the next",
            "max_fail_percentage", "Ansible's max_fail_percentage: N is max_failures: N% here, counted over the whole run",
            "any_errors_fatal", "the first failed host stops the run here unless max_failures says otherwise");

    /** A step with {@code shell:} and no kind: here shell names the shell, in Ansible it runs the command. */
    static final String SHELL_WITHOUT_KIND = "Ansible's shell: COMMAND is run: COMMAND here; shell: only names the shell of a run or script step";
}
