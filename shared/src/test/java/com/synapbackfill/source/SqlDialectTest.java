package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.model.IdType;
import org.junit.jupiter.api.Test;

class SqlDialectTest {
    @Test
    void theUrlChoosesTheDialectAndAnUnsupportedOneIsNamedWithoutItsPassword() {
        assertThat(SqlDialect.forUrl("jdbc:postgresql://db/app")).isInstanceOf(PostgresDialect.class);
        assertThat(SqlDialect.forUrl("jdbc:mysql://db/app")).isInstanceOf(MySqlDialect.class);
        assertThat(SqlDialect.forUrl("jdbc:mariadb://db/app")).isInstanceOf(MySqlDialect.class);
        assertThatThrownBy(() -> new JdbcConnectionSettings("jdbc:sqlserver://db;user=sa;password=hunter2", "sa", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SOURCE_JDBC_URL").hasMessageContaining("jdbc:mysql:").hasMessageContaining("jdbc:sqlserver:")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void mysqlTypesMapToWhatTheReaderNeeds() {
        assertThat(MySqlDialect.kind("bigint", "bigint(20) unsigned")).isEqualTo(SqlDialect.Kind.INTEGER);
        assertThat(MySqlDialect.kind("binary", "binary(16)")).isEqualTo(SqlDialect.Kind.UUID);
        assertThat(MySqlDialect.kind("binary", "binary(8)")).isEqualTo(SqlDialect.Kind.OTHER);
        assertThat(MySqlDialect.kind("char", "char(36)")).isEqualTo(SqlDialect.Kind.TEXT);
        assertThat(MySqlDialect.kind("datetime", "datetime(6)")).isEqualTo(SqlDialect.Kind.TIMESTAMP_LOCAL);
        assertThat(MySqlDialect.kind("timestamp", "timestamp")).isEqualTo(SqlDialect.Kind.TIMESTAMP_ZONED);
        MySqlDialect d = new MySqlDialect(MySqlDialect.Driver.MYSQL);
        assertThat(d.quote("app.weird`name")).isEqualTo("`app`.`weird``name`");
        assertThat(d.param(IdType.UUID)).contains("UNHEX");
        assertThat(new PostgresDialect().quote("public.turns")).isEqualTo("\"public\".\"turns\"");
    }
}
