package com.synapbackfill.cli;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The end-to-end scenario of {@link PipelineIT} against LocalStack's SQS, DynamoDB and S3, for users with
 * Docker. Skipped where no Docker engine runs (as on the project's build machines, which use the in-process
 * real parts instead).
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackPipelineIT {
    @Container
    static final LocalStackContainer LOCALSTACK = new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4"))
            .withServices("sqs", "dynamodb", "s3");

    @BeforeAll
    static void setUp() {
        PipelineIT.pg = RealParts.postgres();
        PipelineIT.loaded = SyntheticHistory.load(PipelineIT.pg.jdbcUrl(), PipelineIT.pg.user(), PipelineIT.pg.password(),
                "localstack_turns", SyntheticHistory.Options.of(PipelineIT.ROWS).withBadRowsPerKind(12));
        PipelineIT.emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
    }

    @AfterAll
    static void tearDown() {
        PipelineIT.emulator.close();
    }

    @Test
    void backfillsEveryValidRowExactlyOnceOnLocalStack() throws Exception {
        String endpoint = LOCALSTACK.getEndpoint().toString();
        LocalDeployment d = LocalDeployment.create("localstack", endpoint, endpoint, endpoint, PipelineIT.env("localstack_turns"));
        PipelineIT.scenario(d, "localstack-1");
    }
}
