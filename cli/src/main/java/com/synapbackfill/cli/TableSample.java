package com.synapbackfill.cli;

import com.synapbackfill.source.SourceProfile;
import java.util.Map;
import java.util.TreeMap;

/** What {@code estimate} learns from either shape's sample: the table's profile, the bad documents by reason, their sizes. */
abstract sealed class TableSample permits TurnSample, MessageSample {
    final SourceProfile profile;
    final boolean customerMapped;
    final Map<String, Long> bad = new TreeMap<>();
    long docBytes;

    TableSample(SourceProfile profile, boolean customerMapped) {
        this.profile = profile;
        this.customerMapped = customerMapped;
    }
}
