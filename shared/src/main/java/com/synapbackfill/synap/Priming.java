package com.synapbackfill.synap;

import com.synapbackfill.json.Json;
import com.synapbackfill.model.ShardMessage;
import java.security.Security;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * SnapStart priming (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-java.html): run the
 * JSON and request-building paths once before the snapshot so their classes are loaded and warm, and drop
 * anything tied to the old process after a restore. No network calls: a snapshot must not depend on them.
 */
public final class Priming {
    private Priming() {
    }

    public static void json() {
        for (int i = 0; i < 200; i++) {
            String s = ShardMessage.first("prime-run", i).toJson();
            ShardMessage.parse(s);
            Json.writeBytes(WireSample.documents());
        }
    }

    public static void synapRequest() {
        byte[] body = OkHttpSynapApi.body(WireSample.documents());
        for (int i = 0; i < 50; i++) {
            new Request.Builder().url("https://synap.invalid/api/v1/memories/batch").header("Authorization", "Bearer x")
                    .post(RequestBody.create(body, MediaType.get("application/json"))).build();
        }
    }

    /** After a restore: evict pooled connections and keep DNS answers short-lived. */
    public static void afterRestore() {
        OkHttpSynapApi.sharedHttpClient().connectionPool().evictAll();
        Security.setProperty("networkaddress.cache.ttl", "30");
    }
}
