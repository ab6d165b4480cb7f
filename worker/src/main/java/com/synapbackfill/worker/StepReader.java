package com.synapbackfill.worker;

import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.DocumentMapper.Mapped;
import com.synapbackfill.source.TurnSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A shard from a checkpoint, as the steps the worker sends one by one (Backfila's queuer to the worker's
 * awaiter): keyset pages → mapped rows → {@link Batches} steps. A partial batch at a page's end is carried over
 * to fill the next call (calls stay full), unless it is already half the byte cap or the page was the last.
 * Reading continues after the last row read; the checkpoint only moves to a step's last row, so after a crash
 * the carried rows are simply read again.
 *
 * <p>Not thread-safe; one per shard message. Pure apart from the source it reads: the step sequence is a
 * function of the rows, the page size, the batch size and the byte cap ({@code StepReaderTest}).
 */
final class StepReader {
    /** A step to send, and whether the shard is done once it is recorded. */
    record Next(Batches.Step step, boolean last) {
        /** Nothing (more) to send: the shard is done at its current checkpoint. */
        static final Next NOTHING = new Next(null, true);
    }

    /**
     * What one page's texts may hold in memory: a page of large rows is read in fewer rows, so that a shard of 10 MB
     * messages reads a few at a time instead of running the worker out of memory.
     */
    static final long PAGE_BYTES = 64L << 20;

    private final TurnSource source;
    private final Shard shard;
    private final DocumentMapper mapper;
    private final int pageSize;
    private final int batchSize;
    private final int maxBatchBytes;
    private final Runnable betweenPages;
    private final Deque<Batches.Step> ready = new ArrayDeque<>();
    private List<Mapped> carried = new ArrayList<>();
    private String cursor;
    private boolean lastPageRead;
    private int pagesRead;
    /** Rows asked for the next page: the page size, fewer when rows are large. */
    private int limit;

    /**
     * @param checkpoint   where the shard stands (null: its start)
     * @param betweenPages called before every page but the first (a test's crash point)
     */
    StepReader(TurnSource source, Shard shard, String checkpoint, DocumentMapper mapper, int pageSize, int batchSize,
               int maxBatchBytes, Runnable betweenPages) {
        this(source, shard, checkpoint, mapper, pageSize, batchSize, maxBatchBytes, 0, betweenPages);
    }

    /**
     * @param maxDocumentBytes the largest document a row can make (the first page is sized as if every row were that
     *                         large; later pages by the rows read), 0: no bound on the first page
     */
    StepReader(TurnSource source, Shard shard, String checkpoint, DocumentMapper mapper, int pageSize, int batchSize,
               int maxBatchBytes, int maxDocumentBytes, Runnable betweenPages) {
        this.limit = maxDocumentBytes <= 0 ? pageSize : rowsFor(pageSize, 2L * maxDocumentBytes);
        this.source = source;
        this.shard = shard;
        this.cursor = checkpoint;
        this.mapper = mapper;
        this.pageSize = pageSize;
        this.batchSize = batchSize;
        this.maxBatchBytes = maxBatchBytes;
        this.betweenPages = betweenPages;
    }

    /** The next step; {@link Next#NOTHING} when the shard has no row left to handle. */
    Next next() {
        while (ready.isEmpty()) {
            if (lastPageRead) return Next.NOTHING;
            readPage();
        }
        Batches.Step step = ready.poll();
        return new Next(step, lastPageRead && ready.isEmpty() && carried.isEmpty());
    }

    /** Rows of {@code rowBytes} (in memory) that fit {@link #PAGE_BYTES}: 1 to the page size. */
    static int rowsFor(int pageSize, long rowBytes) {
        return (int) Math.max(1, Math.min(pageSize, PAGE_BYTES / Math.max(1, rowBytes)));
    }

    private static long length(String s) {
        return s == null ? 0 : s.length();
    }

    private void readPage() {
        if (pagesRead++ > 0) betweenPages.run();
        List<Turn> page = source.readPage(shard, cursor, limit);
        // a short page is the last (a message-shape source returns at least the limit's items unless the shard ends)
        lastPageRead = page.size() < limit;
        long largest = 0;
        for (Turn t : page) largest = Math.max(largest, 2L * (length(t.userText()) + length(t.assistantText())));
        limit = largest == 0 ? pageSize : rowsFor(pageSize, largest);
        if (!page.isEmpty()) cursor = page.get(page.size() - 1).position();
        for (Turn t : page) carried.add(mapper.map(t));
        if (carried.isEmpty()) return;
        List<Batches.Step> steps = Batches.steps(carried, batchSize, maxBatchBytes);
        int runnable = steps.size();
        Batches.Step tail = steps.get(steps.size() - 1);
        // carry a partial tail over to fill the next call; a tail with nothing to send is only a checkpoint move
        if (!lastPageRead && !tail.documents().isEmpty() && tail.documents().size() < batchSize
                && Batches.bytes(tail) < maxBatchBytes / 2) runnable--;
        ready.addAll(steps.subList(0, runnable));
        List<Mapped> rest = new ArrayList<>();
        if (runnable < steps.size()) {
            // keep the carried step's rows in row order (documents and rejected rows interleaved)
            String after = runnable == 0 ? null : steps.get(runnable - 1).lastId();
            boolean past = after == null;
            for (Mapped m : carried) {
                if (past) rest.add(m);
                else if (m.turn().position().equals(after)) past = true;
            }
        }
        carried = rest;
    }
}
