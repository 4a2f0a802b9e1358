package dev.runbook.guide;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx on a loopback port with its config in a test directory: {@code nginx.conf} (the
 * http block, with the body settings the upload runbook reads) including {@code site.conf} (the
 * server). {@link #postStatus} shows which client_max_body_size nginx is really enforcing.
 */
final class TestNginx implements AutoCloseable {
    final Path prefix;
    final Path conf;
    final Path site;
    final int port;

    TestNginx(Path prefix, String httpSettings, String serverSettings) throws IOException, InterruptedException {
        this.prefix = prefix;
        this.conf = prefix.resolve("nginx.conf");
        this.site = prefix.resolve("site.conf");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
        Files.createDirectories(prefix);
        Files.writeString(conf, "pid " + prefix.resolve("nginx.pid") + ";\n"
                + "error_log " + prefix.resolve("error.log") + ";\n"
                + "events {}\n"
                + "http {\n"
                + "    access_log off;\n"
                + httpSettings
                + "    include " + site + ";\n"
                + "}\n");
        Files.writeString(site, "server {\n"
                + "    listen 127.0.0.1:" + port + ";\n"
                + serverSettings
                + "    location / { return 200 \"ok\\n\"; }\n"
                + "}\n");
        nginx("-t", "-q");
        nginx();
    }

    static boolean available() {
        try {
            Process p = new ProcessBuilder("nginx", "-v").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The command line for this instance, e.g. {@code command("-t", "-q")}, as an inventory would give it. */
    String command(String... args) {
        return "nginx -c " + conf + " -p " + prefix + (args.length == 0 ? "" : " " + String.join(" ", args));
    }

    private void nginx(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[5 + args.length];
        cmd[0] = "nginx";
        cmd[1] = "-c";
        cmd[2] = conf.toString();
        cmd[3] = "-p";
        cmd[4] = prefix.toString();
        System.arraycopy(args, 0, cmd, 5, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("nginx " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** The status nginx answers a POST of {@code bytes} with: 413 when over its client_max_body_size. */
    int postStatus(int bytes) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[bytes])).build();
        try {
            return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            // nginx may answer 413 and close before reading the body: ask again with only the headers' worth
            HttpRequest head = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(10)).header("Expect", "100-continue")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[bytes])).build();
            return client.send(head, HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    /** The master's pid (a reload keeps it). */
    long pid() throws IOException {
        return Long.parseLong(Files.readString(prefix.resolve("nginx.pid")).strip());
    }

    @Override
    public void close() {
        try {
            ProcessHandle.of(pid()).ifPresent(h -> {
                h.destroy();
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
        } catch (IOException | NumberFormatException e) {
            // it never started
        }
    }
}
