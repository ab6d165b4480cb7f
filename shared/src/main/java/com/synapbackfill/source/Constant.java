package com.synapbackfill.source;

/** A value the mapping gives ({@code 'owner'}): the same on every row, read from no column. */
record Constant(String value) implements Value {
    @Override
    public Object read(Row row) {
        return value;
    }
}
