package com.synapbackfill.report;

/**
 * What a run keeps of one document Synap answered for: enough to ask the status endpoint later whether the
 * document became memories ({@code backfill verify}), and to find its source row.
 *
 * @param documentId  the document id sent
 * @param ingestionId the id Synap answered (the key of its status endpoint)
 * @param sourceRowId the source row (or first message) the document came from
 * @param shard       the shard that sent it
 * @param present     Synap refused it as already present (a resend after a crash, or an earlier run): its
 *                    ingestion id is the refusal's, not the stored document's, so it cannot be verified
 */
public record Receipt(String documentId, String ingestionId, String sourceRowId, int shard, boolean present) {
}
