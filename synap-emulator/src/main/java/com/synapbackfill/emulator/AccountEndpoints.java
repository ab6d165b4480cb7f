package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The calls about the key's account rather than its memories: {@code whoami}, the credit balance and estimate
 * (404 when credits are not modelled), and the emulator's own top-up ({@code POST /_emulator/credits}).
 */
final class AccountEndpoints {
    private final ObjectMapper mapper;
    private final LiveSettings live;
    private final KeyRing keys;

    AccountEndpoints(ObjectMapper mapper, LiveSettings live, KeyRing keys) {
        this.mapper = mapper;
        this.live = live;
        this.keys = keys;
    }

    Reply whoami(Call call) {
        EmulatorSettings.Instance inst = keys.authenticate(call, live.settings());
        ObjectNode who = Reply.obj().put("client_id", inst.clientId()).put("instance_id", inst.instanceId())
                .put("relationship_type", inst.b2b() ? "b2b" : "b2c");
        if (inst.isolation().wire() != null) who.put("user_context_isolation", inst.isolation().wire());
        return Reply.json(200, who);
    }

    Reply creditBalance(Call call) {
        EmulatorSettings.Instance inst = keys.authenticate(call, live.settings());
        CreditWallet w = live.wallet();
        return w == null ? Reply.error(404, "Not Found") : Reply.json(200, w.balanceBody(inst.clientId()));
    }

    Reply creditEstimate(Call call) {
        keys.authenticate(call, live.settings());
        CreditWallet w = live.wallet();
        if (w == null) return Reply.error(404, "Not Found");
        JsonNode req;
        try {
            req = mapper.readTree(call.body());
        } catch (IOException e) {
            return Reply.invalid("body", "Invalid JSON");
        }
        if (req == null || !req.hasNonNull("metric_type")) return Reply.invalid("body.metric_type", "Field required");
        ObjectNode answer = w.estimateBody(req);
        return answer == null ? Reply.invalid("body.units", "Input should be a number >= 0") : Reply.json(200, answer);
    }

    /** {@code POST /_emulator/credits {"balance": N}}: a top-up from outside (the CLI's emulator, a script). */
    Reply topUp(Call call) throws IOException {
        JsonNode req = mapper.readTree(call.body());
        CreditWallet w = live.wallet();
        if (w == null || req == null || !req.path("balance").isNumber())
            return Reply.error(400, w == null ? "credits are not modelled (start with --credits N)" : "body: {\"balance\": N}");
        w.setBalance(req.get("balance").asDouble());
        return Reply.json(200, Reply.obj().put("balance_credits", w.balance()));
    }
}
