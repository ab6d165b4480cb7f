package com.synapbackfill.source;

import com.synapbackfill.embedded.RealParts;
import org.junit.jupiter.api.BeforeAll;

/** The source contract on a real PostgreSQL (embedded, 17). */
class JdbcTurnSourceIT extends SourceContractSuite {
    @BeforeAll
    static void start() {
        RealParts.Postgres pg = RealParts.postgres();
        use(new Db() {
            public String jdbcUrl() { return pg.jdbcUrl(); }

            public String user() { return pg.user(); }

            public String password() { return pg.password(); }

            public String emptyTableDdl(String table) {
                return "CREATE TABLE " + table + " (id bigint primary key, user_id text, customer_id text, "
                        + "conversation_id text, message_index int, user_text text, assistant_text text, created_at timestamptz)";
            }
        });
    }
}
