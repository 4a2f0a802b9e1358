package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.LocalRunner;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Target;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectorsTest {

    @Test
    void sendsLocalTargetsToTheLocalRunnerAndTheRestOverSsh() throws Exception {
        LocalRunner local = new LocalRunner(null);
        Connectors c = new Connectors(local, t -> {
            throw new UnreachableException("ssh to " + t.name());
        });

        assertThat(c.open(Target.LOCALHOST)).isSameAs(local);
        assertThat(c.open(new Target("db", "10.0.0.5", 0, null, Map.of("ansible_connection", "local")))).isSameAs(local);
        assertThatThrownBy(() -> c.open(new Target("web1", "10.0.0.4", 22, "deploy", Map.of())))
                .hasMessage("ssh to web1");
    }
}
