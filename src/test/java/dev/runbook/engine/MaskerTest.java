package dev.runbook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** A secret is masked in the forms output commonly prints it in, not only as it is. */
class MaskerTest {
    private static final String SECRET = "pa\"ss\\w0rd/Tok+9@kx é";

    private static Masker masker(String secret) {
        Masker m = new Masker();
        m.add(secret);
        return m;
    }

    @Test
    void masksTheValueAndItsEncodedForms() {
        Masker m = masker(SECRET);
        String b64 = Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8));

        assertThat(m.mask("as is: " + SECRET)).isEqualTo("as is: ****");
        assertThat(m.mask("url: ?t=pa%22ss%5Cw0rd%2FTok%2B9%40kx%20%C3%A9&x=1")).isEqualTo("url: ?t=****&x=1");
        assertThat(m.mask("form: t=pa%22ss%5Cw0rd%2FTok%2B9%40kx+%C3%A9")).isEqualTo("form: t=****");
        assertThat(m.mask("json: {\"t\":\"pa\\\"ss\\\\w0rd/Tok+9@kx é\"}")).isEqualTo("json: {\"t\":\"****\"}");
        assertThat(m.mask("python json: \"pa\\\"ss\\\\w0rd/Tok+9@kx \\u00e9\"")).isEqualTo("python json: \"****\"");
        assertThat(m.mask("base64: " + b64)).isEqualTo("base64: ****");
        assertThat(m.mask("unpadded: " + b64.replace("=", "") + ".")).isEqualTo("unpadded: ****.");
        assertThat(m.mask("url-safe: " + Base64.getUrlEncoder().withoutPadding().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("url-safe: ****");
    }

    @Test
    void aSecretCutInTwoByOutputLimitsIsMaskedOnTheSideThatWasKept() {
        Masker m = masker("s3cr3t-value-XYZ");
        String end = dev.runbook.exec.OutputCapture.CUT_END;
        String start = dev.runbook.exec.OutputCapture.CUT_START;

        assertThat(m.mask("aaa s3cr3t-v" + end)).isEqualTo("aaa ****" + end);
        assertThat(m.mask("aaa s" + end)).isEqualTo("aaa ****" + end);
        assertThat(m.mask(start + "ue-XYZ and after")).isEqualTo(start + "**** and after");
        assertThat(m.mask(start + "s3cr3t-value-XYZ then s3cr3t" + end)).isEqualTo(start + "**** then ****" + end);
        // not cut: a line that merely ends like the secret begins is left alone
        assertThat(m.mask("the s3cr3t")).isEqualTo("the s3cr3t");
        assertThat(m.mask("ue-XYZ")).isEqualTo("ue-XYZ");
        assertThat(m.mask("nothing like it" + end)).isEqualTo("nothing like it" + end);
    }

    @Test
    void leavesOtherTextAlone() {
        Masker m = masker(SECRET);
        String other = "pa ss w0rd Tok 9 kx, cGFzcw==, %2F, \\\\, {\"a\":\"b\"}";

        assertThat(m.mask(other)).isEqualTo(other);
    }

    @Test
    void aShortSecretIsMaskedAsItIsButNotInFormsThatWouldHideTooMuch() {
        Masker m = masker("a/b");

        assertThat(m.mask("x a/b y")).isEqualTo("x **** y");
        assertThat(m.mask("a%2Fb YS9i")).isEqualTo("a%2Fb YS9i");
    }

    @Test
    void masksEachLineOfAMultiLineSecretInItsForms() {
        Masker m = masker("first-line/1\nsecond+line");

        assertThat(m.mask("first-line%2F1 second%2Bline")).isEqualTo("**** ****");
    }
}
