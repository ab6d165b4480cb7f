package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceFilterTest {
    static SourceFilter.Rendered render(String expression) {
        return SourceFilter.parse("--filter", expression).render(c -> "\"" + c + "\"");
    }

    @Test
    void rendersAllowedExpressionsWithQuotedColumnsAndBoundLiterals() {
        SourceFilter.Rendered r = render("deleted_at IS NULL AND consent");
        assertThat(r.sql()).isEqualTo("(\"deleted_at\" IS NULL AND \"consent\")");
        assertThat(r.binds()).isEmpty();

        r = render("tenant IN ('a', 'b''c') AND NOT (score < -1.5 OR score BETWEEN 10 AND 20) AND note NOT LIKE '%test%'");
        assertThat(r.sql()).isEqualTo("((\"tenant\" IN (?, ?) AND (NOT ((\"score\" < ? OR \"score\" BETWEEN ? AND ?)))) AND \"note\" NOT LIKE ?)");
        assertThat(r.binds()).containsExactly("a", "b'c", new BigDecimal("-1.5"), new BigDecimal("10"), new BigDecimal("20"), "%test%");

        r = render("flagged IS NOT TRUE and lang <> 'de' and sent_at >= '2026-01-01'");
        assertThat(r.sql()).isEqualTo("((\"flagged\" IS NOT TRUE AND \"lang\" <> ?) AND \"sent_at\" >= ?)");
        assertThat(r.binds()).containsExactly("de", "2026-01-01");
        assertThat(SourceFilter.parse("f", "a = 1 OR b = true").columns()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void refusesEverythingElseNamingThePart() {
        record Case(String filter, String named) {
        }
        for (Case c : List.of(
                new Case("id IN (SELECT id FROM users)", "a subquery (SELECT id FROM users)"),
                new Case("EXISTS (SELECT 1)", "EXISTS"),
                new Case("pg_sleep(10) IS NULL", "function call (pg_sleep(10))"),
                new Case("created_at > now()", "function call (now())"),
                new Case("1=1; DROP TABLE x", "';' (a second statement)"),
                new Case("consent -- AND deleted_at IS NULL", "comment (--)"),
                new Case("consent /* x */", "comment (/* */)"),
                new Case("a = $1", "'$'"),
                new Case("a = ?", "parameter"),
                new Case("s.t.a = 1", "schema-qualified column"),
                new Case("a + 1 > 2", "Addition"),
                new Case("a = 'unterminated", "unterminated string literal"),
                new Case("DROP TABLE x", "not a boolean SQL expression"))) {
            assertThatThrownBy(() -> SourceFilter.parse("--filter", c.filter())).as(c.filter())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--filter: ").hasMessageContaining(c.named());
        }
    }

    @Test
    void aSemicolonOrCommentInsideAStringLiteralIsText() {
        SourceFilter.Rendered r = render("note = 'a; -- b /* c */'");
        assertThat(r.sql()).isEqualTo("\"note\" = ?");
        assertThat(r.binds()).containsExactly("a; -- b /* c */");
    }

    @Test
    void aJoinedTablesColumnIsNamedTableDotColumnAndRenderedAsTheCatalogSays() {
        SourceFilter f = SourceFilter.parse("--filter", "sessions.deleted_at IS NULL AND private = false");
        assertThat(f.columns()).containsExactlyInAnyOrder("sessions.deleted_at", "private");
        assertThat(f.render(c -> c.equals("private") ? "sb_m.\"private\"" : "sb_j0.\"deleted_at\"").sql())
                .isEqualTo("(sb_j0.\"deleted_at\" IS NULL AND sb_m.\"private\" = FALSE)");
    }
}
