package com.synapbackfill.source;

import com.synapbackfill.embedded.RealParts;
import org.junit.jupiter.api.BeforeAll;

/** The source contract on MariaDB through MySQL Connector/J ({@code jdbc:mysql:}), the driver Aurora MySQL users have. */
class MySqlConnectorJTurnSourceIT extends SourceContractSuite {
    @BeforeAll
    static void start() {
        use(MySqlTurnSourceIT.on(RealParts.mariaDb().mysqlJdbcUrl()));
    }
}
