package dev.runbook.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

final class SchemaCommand implements Callable<Integer>, CliSpec.Command {
    static final String RESOURCE = "/runbook.schema.json";

    final CommonOptions common = new CommonOptions();

    @Override
    public CliSpec spec() {
        return common.addTo(CliSpec.command("schema", this, "Print the JSON Schema of the runbook format, for editors."));
    }

    @Override
    public Integer call() throws IOException {
        System.out.print(schema());
        System.out.flush();
        return ExitCodes.OK;
    }

    static String schema() throws IOException {
        try (InputStream in = SchemaCommand.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the schema is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
