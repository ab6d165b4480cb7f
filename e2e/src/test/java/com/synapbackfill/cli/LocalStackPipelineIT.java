package com.synapbackfill.cli;

import com.synapbackfill.e2e.LocalStackHost;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The end-to-end scenario of {@link PipelineIT} (handlers, local event source mapping) against LocalStack's SQS,
 * DynamoDB and S3 instead of the in-process stand-ins. One class for every LocalStack: the one at
 * {@code LOCALSTACK_ENDPOINT} when set; else a Testcontainers LocalStack where a Docker engine runs; else the
 * project's host-mode LocalStack ({@link LocalStackHost}), as on the build machines.
 */
class LocalStackPipelineIT {
    static LocalStackContainer container;
    static String endpoint;

    @BeforeAll
    static void setUp() {
        if (System.getenv("LOCALSTACK_ENDPOINT") == null && DockerClientFactory.instance().isDockerAvailable()) {
            container = new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4")).withServices("sqs", "dynamodb", "s3");
            container.start();
            endpoint = container.getEndpoint().toString();
        } else {
            endpoint = LocalStackHost.endpoint();
        }
        PipelineIT.pg = RealParts.postgres();
        PipelineIT.loaded = SyntheticHistory.load(PipelineIT.pg.jdbcUrl(), PipelineIT.pg.user(), PipelineIT.pg.password(),
                "localstack_turns", SyntheticHistory.Options.of(PipelineIT.ROWS).withBadRowsPerKind(12));
        PipelineIT.emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
    }

    @AfterAll
    static void tearDown() {
        if (PipelineIT.emulator != null) PipelineIT.emulator.close();
        if (container != null) container.stop();
    }

    @Test
    void backfillsEveryValidRowExactlyOnceOnLocalStack() throws Exception {
        LocalDeployment d = LocalDeployment.create("localstack", endpoint, endpoint, endpoint, PipelineIT.env("localstack_turns"));
        PipelineIT.scenario(d, "localstack-1");
    }
}
