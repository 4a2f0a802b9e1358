package dev.runbook.exec;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Sends HTTP requests with the JDK's client. TLS is verified against the system's CAs, or a
 * given CA file; clients are kept per trust setting for the whole run.
 */
public final class HttpRunner {
    static final int BODY_LIMIT = 1 << 20;
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
    private static volatile boolean clientMade;

    /**
     * Ends the threads of the HTTP clients this process made, before the JVM exits: its exit waits
     * up to 300 ms for any thread blocked in native code, and a JDK HttpClient (Java 17 cannot close
     * one) leaves its selector thread in epoll_wait, which made a run with an http step end 0.3 s
     * late. Interrupting the selector ends its thread at once. Nothing to do when no client was made.
     */
    public static void stopClientThreads() {
        if (!clientMade) {
            return;
        }
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] all = new Thread[root.activeCount() + 16];
        int n = root.enumerate(all, true);
        List<Thread> selectors = java.util.Arrays.stream(all, 0, n)
                .filter(t -> t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager")).toList();
        selectors.forEach(Thread::interrupt);
        for (Thread t : selectors) {
            try {
                t.join(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Builds the default client ahead of the first request, on a thread of its own: its first
     * construction costs about half a second (its classes, its selector thread).
     */
    public void warmUp() {
        Thread t = new Thread(() -> {
            try {
                client(new HttpRequestSpec("http://localhost/", "GET", Map.of(), null, DEFAULT_TIMEOUT, true, null, false, Map.of(), Map.of()),
                        DEFAULT_TIMEOUT);
            } catch (IOException | GeneralSecurityException e) {
                // a warm-up that fails leaves the first request to build the client
            }
        }, "http-warm-up");
        t.setDaemon(true);
        t.start();
    }

    public HttpResult send(HttpRequestSpec spec, Cancellation cancel) {
        long start = System.nanoTime();
        Duration timeout = spec.timeout() == null ? DEFAULT_TIMEOUT : spec.timeout();
        HttpRequest request;
        long bytesSent;
        try {
            URI uri = URI.create(spec.url());
            if (badPort(uri) != null) {
                return failed(badPort(uri), start, false);
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
            spec.headers().forEach(b::header);
            HttpRequest.BodyPublisher body;
            if (!spec.form().isEmpty() || !spec.files().isEmpty()) {
                Multipart m = Multipart.of(spec.form(), spec.files());
                b.header("Content-Type", m.contentType());
                body = m.publisher();
            } else {
                body = spec.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(spec.body());
            }
            bytesSent = Math.max(0, body.contentLength());
            request = b.method(spec.method(), body).build();
        } catch (IllegalArgumentException e) {
            return failed("invalid request: " + e.getMessage(), start, false);
        } catch (IOException e) {
            return failed("cannot read the file to upload: " + e.getMessage(), start, false);
        }
        HttpClient client;
        try {
            client = client(spec, timeout);
        } catch (IOException | GeneralSecurityException e) {
            return failed("cannot load CA file " + spec.caFile() + ": " + e.getMessage(), start, false);
        }
        // the request's own time: building the JDK client (slow on its first use) is not the server's
        start = System.nanoTime();
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<HttpResponse<InputStream>> future = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        try (Cancellation.Registration c = cancel.onCancel(() -> future.cancel(true))) {
            HttpResponse<InputStream> response = future.get(timeout.toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
            String text = readBody(response.body(), deadline, cancel);
            if (text == null) {
                return failed(cancel.isCancelled() ? "interrupted" : "the response body did not arrive within "
                        + timeout.toMillis() + " ms (status " + response.statusCode() + ")", start, !cancel.isCancelled());
            }
            Map<String, String> headers = new LinkedHashMap<>();
            response.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(", ", v)));
            return new HttpResult(response.statusCode(), text, headers, null, elapsed(start), false, bytesSent);
        } catch (java.util.concurrent.TimeoutException e) {
            future.cancel(true);
            return failed("timed out after " + timeout.toMillis() + " ms", start, true);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            boolean timedOut = cause instanceof HttpTimeoutException;
            return failed(describe(cause, spec.url()), start, timedOut);
        } catch (java.util.concurrent.CancellationException e) {
            return failed("interrupted", start, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted", start, false);
        } catch (Exception e) {
            return failed(describe(e, spec.url()), start, false);
        }
    }

    /**
     * Reads at most {@link #BODY_LIMIT} bytes. The request timeout only covers the wait for the
     * headers, so a watchdog closes the stream when the step's time is up or the run is
     * interrupted: a server that stalls mid-body cannot hold the run. Null when cut off.
     */
    private static String readBody(InputStream body, long deadline, Cancellation cancel) throws IOException {
        java.util.concurrent.atomic.AtomicBoolean cut = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable close = () -> {
            cut.set(true);
            try {
                body.close();
            } catch (IOException e) {
                // closing is how the read is stopped; nothing more to do
            }
        };
        java.util.concurrent.ScheduledFuture<?> watchdog = WATCHDOG.schedule(close,
                Math.max(1, (deadline - System.nanoTime()) / 1_000_000), java.util.concurrent.TimeUnit.MILLISECONDS);
        try (Cancellation.Registration c = cancel.onCancel(close); InputStream in = body) {
            byte[] bytes = in.readNBytes(BODY_LIMIT);
            return cut.get() ? null : new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            if (cut.get()) {
                return null;
            }
            throw e;
        } finally {
            watchdog.cancel(false);
        }
    }

    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "http-watchdog");
                t.setDaemon(true);
                return t;
            });

    static String describe(Throwable e, String url) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.nio.channels.UnresolvedAddressException || c instanceof java.net.UnknownHostException) {
                return "cannot resolve " + hostOf(url);
            }
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "connection to " + hostOf(url) + " timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "no response from " + hostOf(url) + " in time";
        }
        if (e instanceof ConnectException) {
            return "connection to " + hostOf(url) + " refused";
        }
        if (e instanceof SSLException) {
            return "TLS handshake with " + hostOf(url) + " failed: " + e.getMessage();
        }
        String msg = e.getMessage();
        return (msg == null ? e.getClass().getSimpleName() : msg);
    }

    /** A URL rendered from a template with a port no socket takes; null when the port is fine or absent. */
    static String badPort(URI u) {
        return u.getPort() == 0 || u.getPort() > 65535 ? "invalid URL: port " + u.getPort() + " is not 1 to 65535" : null;
    }

    private static String hostOf(String url) {
        try {
            URI u = URI.create(url);
            return u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
        } catch (IllegalArgumentException e) {
            return url;
        }
    }

    private synchronized HttpClient client(HttpRequestSpec spec, Duration timeout) throws IOException, GeneralSecurityException {
        String key = spec.verifyTls() + "|" + spec.caFile() + "|" + spec.followRedirects();
        HttpClient existing = clients.get(key);
        if (existing != null) {
            return existing;
        }
        clientMade = true;
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .followRedirects(spec.followRedirects() ? HttpClient.Redirect.NORMAL : HttpClient.Redirect.NEVER);
        if (!spec.verifyTls()) {
            b.sslContext(TrustAll.context());
        } else if (spec.caFile() != null) {
            b.sslContext(contextFor(spec.caFile()));
        } else {
            b.sslContext(LazyDefaultTrust.context());
        }
        HttpClient client = b.build();
        clients.put(key, client);
        return client;
    }

    static SSLContext contextFor(Path caFile) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        int i = 0;
        try (InputStream in = Files.newInputStream(caFile)) {
            for (Certificate c : cf.generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
        }
        if (i == 0) {
            throw new GeneralSecurityException("no certificate in the file");
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static HttpResult failed(String error, long start, boolean timedOut) {
        return new HttpResult(0, "", Map.of(), error, elapsed(start), timedOut, 0);
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
