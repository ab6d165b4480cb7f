package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CLI's text output: the code's own line ends pass, every control character of the text printed is escaped. */
class PrintableStreamTest {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = PrintableStream.of(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    String printed() {
        return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    @Test
    void formatArgumentsAreEscapedAndTheFormatsOwnLineEndsKept() {
        out.printf(Locale.ROOT, "  %-12s row %s x%,d %s%n", "key\u001b[31m", "7\n Run FAKE: 0 failures", 12_345, Instant.EPOCH);
        out.printf("%s: %c%c%n", Map.of("a\u0007", 1), 'x', '\u0007');
        assertThat(printed()).isEqualTo("  key\\u001b[31m row 7\\n Run FAKE: 0 failures x12,345 1970-01-01T00:00:00Z\n{a\\u0007=1}: x\ufffd\n");
    }

    @Test
    void printAndPrintlnEscapeTheirTextAndEndTheLineThemselves() {
        out.println("Synap: \u009b\u202eevil\r");
        out.print('\u0007');
        out.print(42);
        out.append("\u001b").println();
        assertThat(printed()).isEqualTo("Synap: \\u009b\\u202eevil\\r\n\\u000742\\u001b\n");
        assertThat(PrintableStream.of(out)).isSameAs(out);
    }
}
