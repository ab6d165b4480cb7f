package com.synapbackfill.model;

/** Lifecycle of a shard in the ledger. */
public enum ShardStatus { PENDING, IN_PROGRESS, DONE }
