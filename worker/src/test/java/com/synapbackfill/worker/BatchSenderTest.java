package com.synapbackfill.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.error.RetryableException;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.SourceConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a batch's answers become accepted rows, present rows and failure items; poison documents and outages told apart. */
class BatchSenderTest {
    final DocumentMapper mapper = new DocumentMapper(RunConfig.builder(SourceConfig.of("turns")).build(), "r");

    List<DocumentMapper.Mapped> docs(int n) {
        List<DocumentMapper.Mapped> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) out.add(mapper.map(Fakes.turn(i)));
        return out;
    }

    static RetryableException serverError() {
        return new RetryableException("server_error", "HTTP 500: internal error", 500, null, null);
    }

    @Test
    void aDocumentSynapFailsOnAloneWhileTheRestGoesThroughIsAFailureItemNotARetryLoop() {
        Fakes.Synap synap = new Fakes.Synap();
        List<DocumentMapper.Mapped> batch = docs(100);
        String poison = batch.get(37).documentId();
        synap.failWith = sent -> sent.stream().anyMatch(d -> d.documentId().equals(poison)) ? serverError() : null;
        BatchSender.Tally t = new BatchSender.Tally();
        new BatchSender(Clock.systemUTC()).send("r", 0, batch, synap, t);
        assertThat(t.accepted()).isEqualTo(99);
        assertThat(t.failures).extracting(FailureRecord::documentId).containsExactly(poison);
        assertThat(t.failures).extracting(FailureRecord::errorClass).containsExactly("server_error_on_document");
        // a search in halves: about log2(100) levels, each a call per half
        assertThat(synap.calls.size()).isLessThanOrEqualTo(1 + 2 * 7);
    }

    @Test
    void whenNothingGoesThroughItIsAnOutageAndTheErrorPropagates() {
        Fakes.Synap synap = new Fakes.Synap();
        synap.failWith = sent -> serverError();
        assertThatThrownBy(() -> new BatchSender(Clock.systemUTC()).send("r", 0, docs(8), synap, new BatchSender.Tally()))
                .isInstanceOf(RetryableException.class).hasMessageContaining("HTTP 500");
        assertThat(synap.stored).isEmpty();
    }

    @Test
    void whenSynapDoesNotAnswerAtAllNoSearchIsMade() {
        Fakes.Synap synap = new Fakes.Synap() {
            @Override
            public Identity whoami() {
                throw new RetryableException("io_error", "Connection refused", 0, null, null);
            }
        };
        synap.failWith = sent -> serverError();
        assertThatThrownBy(() -> new BatchSender(Clock.systemUTC()).send("r", 0, docs(8), synap, new BatchSender.Tally()))
                .isInstanceOf(RetryableException.class);
        assertThat(synap.calls).hasSize(1);
    }

    @Test
    void otherRetryableTroubleIsNotSearched() {
        Fakes.Synap synap = new Fakes.Synap();
        synap.failWith = sent -> new RetryableException("timeout", "Synap call timed out", 0, null, null);
        assertThatThrownBy(() -> new BatchSender(Clock.systemUTC()).send("r", 0, docs(8), synap, new BatchSender.Tally()))
                .isInstanceOf(RetryableException.class);
        assertThat(synap.calls).hasSize(1);
    }
}
