package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CdsPreloadTest {

    @Test
    void everyListedClassStillLoads() {
        // after a dependency upgrade renames classes, the launcher's archive would silently miss
        // them and SSH runs would start slower: remake the list (its header says how)
        assertThat(CdsPreload.load()).isEmpty();
    }

    @Test
    void theListCoversTheSshExecutorJschAndTheKeyExchange() {
        List<String> names = CdsPreload.names();
        assertThat(names).contains("dev.runbook.exec.ssh.SshConnector", "dev.runbook.inventory.InventoryReader",
                "com.jcraft.jsch.Session", "sun.security.ec.XDHKeyAgreement", "sun.security.ec.ed.EdDSASignature");
        assertThat(names).noneMatch(n -> n.startsWith("#") || n.isBlank() || n.contains("$$Lambda") || n.contains("/"));
        assertThat(names).doesNotHaveDuplicates();
    }

    @Test
    void aTrainingWhoseFollowUpCommandFailsFailsSoTheLauncherDropsItsArchive() {
        assertThat(trainWithThen("--version", "validate bin/cds-training.yaml")).isZero();
        assertThat(trainWithThen("--version", "validate bin/cds-training.yaml;validate bin/no-such-runbook.yaml")).isEqualTo(2);
    }

    private static int trainWithThen(String command, String then) {
        String previous = System.setProperty(CdsPreload.THEN_PROPERTY, then);
        try {
            return Main.train(new String[] {command});
        } finally {
            if (previous == null) {
                System.clearProperty(CdsPreload.THEN_PROPERTY);
            } else {
                System.setProperty(CdsPreload.THEN_PROPERTY, previous);
            }
        }
    }

    @Test
    void theTrainingRunsEveryAlgorithmAnSshConnectionUses() {
        assertThat(CdsPreload.exerciseCrypto()).isNull();
    }
}
