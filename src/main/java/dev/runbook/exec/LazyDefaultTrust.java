package dev.runbook.exec;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's default trust (its cacerts, or {@code javax.net.ssl.trustStore}), loaded on the first
 * TLS handshake instead of when an HTTP client is built. {@code SSLContext.getDefault()} reads and
 * parses every certificate of the trust store up front, the larger part of the half second the first
 * http step of a run cost, even for a plain {@code http://} health check. Every check is the default
 * trust manager's own, host name included (the SSLEngine and Socket variants pass the connection's
 * parameters on). No client certificate is offered, as with the default context unless
 * {@code javax.net.ssl.keyStore} is set.
 */
final class LazyDefaultTrust extends X509ExtendedTrustManager {
    private volatile X509ExtendedTrustManager delegate;

    private LazyDefaultTrust() {}

    static SSLContext context() throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new LazyDefaultTrust()}, null);
        return ctx;
    }

    private X509ExtendedTrustManager delegate() throws CertificateException {
        X509ExtendedTrustManager d = delegate;
        if (d == null) {
            synchronized (this) {
                d = delegate;
                if (d == null) {
                    d = load();
                    delegate = d;
                }
            }
        }
        return d;
    }

    private static X509ExtendedTrustManager load() throws CertificateException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new CertificateException("the JDK's default trust manager factory gave no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new CertificateException("cannot load the default trust store: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkClientTrusted(chain, authType);
    }

    /** Only a server asking for a client certificate reads this: none is offered, so no issuer matters. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
