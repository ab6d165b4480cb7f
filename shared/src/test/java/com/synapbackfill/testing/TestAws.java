package com.synapbackfill.testing;

import com.synapbackfill.config.AwsClients;
import com.synapbackfill.config.Settings;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.ledger.LedgerTable;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** AWS SDK clients on the in-process real parts, and fresh resources per test class. */
public final class TestAws {
    private TestAws() {
    }

    public static AwsClients clients() {
        return new AwsClients(new Settings.Endpoints(RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), null));
    }

    /** A new ledger table on DynamoDB Local. */
    public static String newTable(DynamoDbClient dynamo) {
        String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
        LedgerTable.createIfMissing(dynamo, name);
        return name;
    }
}
