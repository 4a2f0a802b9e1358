package dev.runbook.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Certificates as a user checks them: made with openssl, read from a file, or seen in a TLS handshake. */
public final class Certificates {
    private Certificates() {}

    /** A self-signed certificate for {@code name} valid for {@code days}, and its key, made by {@code openssl req}. */
    public static void selfSigned(Path cert, Path key, String name, int days) {
        Cli.Result r = Processes.exec(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes",
                "-days", Integer.toString(days), "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
                "-keyout", key.toString(), "-out", cert.toString()));
        if (r.exitCode() != 0) {
            throw new AssertionError("openssl req failed: " + r);
        }
    }

    public static X509Certificate read(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new AssertionError("cannot read the certificate " + pem, e);
        }
    }

    /**
     * The certificate a TLS server presents to a client that sends {@code name} as SNI: a real
     * handshake that trusts anything, because it is the certificate that is being looked at.
     */
    public static X509Certificate served(String name, int port) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAnything()}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                SSLParameters p = s.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(name)));
                s.setSSLParameters(p);
                s.startHandshake();
                return (X509Certificate) s.getSession().getPeerCertificates()[0];
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new AssertionError("no TLS handshake with 127.0.0.1:" + port, e);
        }
    }

    public static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class TrustAnything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
