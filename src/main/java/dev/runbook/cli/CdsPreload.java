package dev.runbook.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Loads, by name, the classes an SSH run needs that the launcher's training run (local only, no
 * server to talk to) would not: the class-data-sharing archive it dumps then holds them too.
 * Only the training run does this ({@code -Drunbook.cds.training=true}); a class that no longer
 * exists is skipped there, and {@code CdsPreloadTest} fails on it.
 */
final class CdsPreload {
    static final String LIST = "cds-preload.txt";
    static final String PROPERTY = "runbook.cds.training";
    /** Commands the training JVM runs after its run, {@code ;}-separated: the reading commands' archive. */
    static final String THEN_PROPERTY = "runbook.cds.then";

    private CdsPreload() {
    }

    /** The commands of {@link #THEN_PROPERTY}, each split into its words; none when it is unset. */
    static List<String[]> thenCommands() {
        List<String[]> out = new ArrayList<>();
        for (String command : System.getProperty(THEN_PROPERTY, "").split(";")) {
            if (!command.isBlank()) {
                out.add(command.strip().split("\\s+"));
            }
        }
        return out;
    }

    /** The class names of the list, comments and blank lines left out. */
    static List<String> names() {
        List<String> out = new ArrayList<>();
        try (InputStream in = CdsPreload.class.getResourceAsStream(LIST)) {
            if (in == null) {
                return out;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Runs, once, the JDK crypto an SSH connection uses (X25519 and ECDH key exchange, Ed25519,
     * ECDSA and RSA signatures, AES-GCM and AES-CTR, HMAC, SHA-2). Loading those classes by name is
     * not enough: their lambdas are made when first called, and only the ones made during the
     * training run go into the archive (an SSH run made about 40 of them on each start).
     * Best effort: a failure here only leaves more for the first real connection to do.
     *
     * @return null when every algorithm ran, else what failed
     */
    static String exerciseCrypto() {
        try {
            byte[] data = "runbook".getBytes(StandardCharsets.UTF_8);
            KeyPairGenerator xdh = KeyPairGenerator.getInstance("XDH");
            xdh.initialize(NamedParameterSpec.X25519);
            KeyPair a = xdh.generateKeyPair();
            KeyPair b = xdh.generateKeyPair();
            KeyAgreement agree = KeyAgreement.getInstance("XDH");
            agree.init(a.getPrivate());
            PublicKey peer = KeyFactory.getInstance("XDH").generatePublic(
                    new XECPublicKeySpec(NamedParameterSpec.X25519, ((XECPublicKey) b.getPublic()).getU()));
            agree.doPhase(peer, true);
            byte[] secret = agree.generateSecret();

            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair p1 = ec.generateKeyPair();
            KeyPair p2 = ec.generateKeyPair();
            KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
            ecdh.init(p1.getPrivate());
            ecdh.doPhase(p2.getPublic(), true);
            ecdh.generateSecret();
            signAndVerify("SHA256withECDSA", p1, data);

            KeyPairGenerator ed = KeyPairGenerator.getInstance("Ed25519");
            KeyPair e = ed.generateKeyPair();
            signAndVerify("Ed25519", e, data);
            KeyFactory.getInstance("EdDSA").generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519,
                    ((EdECPublicKey) e.getPublic()).getPoint()));

            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(1024);
            KeyPair r = rsa.generateKeyPair();
            signAndVerify("SHA512withRSA", r, data);
            signAndVerify("SHA256withRSA", r, data);

            SecretKeySpec key = new SecretKeySpec(MessageDigest.getInstance("SHA-256").digest(secret), 0, 16, "AES");
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            byte[] iv = new byte[12];
            gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            byte[] sealed = gcm.doFinal(data);
            gcm.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv));
            gcm.doFinal(sealed);
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(new byte[16]));
            ctr.doFinal(data);
            for (String mac : List.of("HmacSHA256", "HmacSHA512")) {
                Mac m = Mac.getInstance(mac);
                m.init(new SecretKeySpec(secret, mac));
                m.doFinal(data);
            }
            for (String digest : List.of("SHA-256", "SHA-384", "SHA-512", "SHA-1")) {
                MessageDigest.getInstance(digest).digest(data);
            }
            return null;
        } catch (GeneralSecurityException | RuntimeException e) {
            return e.toString();  // best effort: see above
        }
    }

    private static void signAndVerify(String algorithm, KeyPair keys, byte[] data) throws GeneralSecurityException {
        Signature sign = Signature.getInstance(algorithm);
        sign.initSign(keys.getPrivate());
        sign.update(data);
        byte[] sig = sign.sign();
        Signature verify = Signature.getInstance(algorithm);
        verify.initVerify(keys.getPublic());
        verify.update(data);
        verify.verify(sig);
    }

    /** Loads and links each class without initialising it; returns the names that did not load. */
    static List<String> load() {
        List<String> missing = new ArrayList<>();
        ClassLoader loader = CdsPreload.class.getClassLoader();
        for (String name : names()) {
            try {
                Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                missing.add(name);
            }
        }
        return missing;
    }
}
