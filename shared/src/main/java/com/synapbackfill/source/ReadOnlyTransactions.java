package com.synapbackfill.source;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A connection whose statements all run inside read-only transactions: the first statement made begins one
 * ({@link SqlDialect#beginReadOnly}), closing the last one open ends it with a rollback (a reader has nothing to commit).
 * Every statement the source makes, on any path (pages, samples, catalog checks, plans), goes through here, so none
 * runs outside such a transaction and none lasts longer than the statements that need it.
 */
final class ReadOnlyTransactions implements InvocationHandler {
    private final Connection target;
    private final SqlDialect dialect;
    private int open;

    private ReadOnlyTransactions(Connection target, SqlDialect dialect) {
        this.target = target;
        this.dialect = dialect;
    }

    static Connection wrap(Connection c, SqlDialect dialect) {
        return (Connection) Proxy.newProxyInstance(ReadOnlyTransactions.class.getClassLoader(), new Class<?>[] {Connection.class},
                new ReadOnlyTransactions(c, dialect));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        String name = m.getName();
        if (name.equals("setAutoCommit") && args != null && Boolean.TRUE.equals(args[0]))
            throw new SQLException("the source's connection stays out of autocommit: its statements run in read-only transactions");
        if (name.equals("setReadOnly") && args != null && Boolean.FALSE.equals(args[0]))
            throw new SQLException("the source's connection is read-only");
        boolean makes = name.equals("createStatement") || name.equals("prepareStatement") || name.equals("prepareCall");
        if (makes && open == 0) dialect.beginReadOnly(target);
        Object out;
        try {
            out = m.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (makes && open == 0) end();
            throw e.getCause();
        }
        if (!makes) return out;
        open++;
        Class<?> type = out instanceof CallableStatement ? CallableStatement.class : out instanceof PreparedStatement ? PreparedStatement.class
                : Statement.class;
        return Proxy.newProxyInstance(ReadOnlyTransactions.class.getClassLoader(), new Class<?>[] {type}, new Tracked((Statement) out));
    }

    /** The transaction's end: nothing was written, so a rollback (also what clears an aborted one). */
    private void end() throws SQLException {
        if (!target.isClosed()) target.rollback();
    }

    /** A statement that ends the transaction when it is the last one open to be closed. */
    private final class Tracked implements InvocationHandler {
        private final Statement statement;
        private boolean closed;

        Tracked(Statement statement) {
            this.statement = statement;
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            if (!m.getName().equals("close")) {
                try {
                    return m.invoke(statement, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
            if (closed) return null;
            closed = true;
            try {
                statement.close();
            } finally {
                if (--open == 0) end();
            }
            return null;
        }
    }
}
