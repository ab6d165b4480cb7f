package com.synapbackfill.e2e.iam;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS SDK request a function makes, as IAM sees it: the action ({@code dynamodb:GetItem}; a transaction's
 * items as the actions IAM checks them as) and the resources it touches. A test build only: the deployed-path tests put
 * it beside a function's jar (the runtime executor copies it into the function's {@code lib/}), and the SDK loads it as
 * a global interceptor; nothing of it is in the shipped jars. One JSON line per request into
 * {@code SYNAP_AWS_CALLS_FILE}, attributed to {@code AWS_LAMBDA_FUNCTION_NAME}.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {
    private static final Object LOCK = new Object();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String file = System.getenv("SYNAP_AWS_CALLS_FILE");
        if (file == null) return;
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        if (service == null || operation == null) return;
        StringBuilder lines = new StringBuilder();
        for (Call c : calls(iamPrefix(service), operation, context.request()))
            lines.append(line(System.getenv("AWS_LAMBDA_FUNCTION_NAME"), c)).append('\n');
        synchronized (LOCK) {
            try {
                Files.writeString(Path.of(file), lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new IllegalStateException("the AWS call recorder could not write " + file, e);
            }
        }
    }

    /** One action on the resources named by the request, as an ARN or a name the test resolves. */
    record Call(String action, List<String> resources) {
    }

    static String iamPrefix(String sdkServiceName) {
        return switch (sdkServiceName) {
            case "DynamoDb" -> "dynamodb";
            case "Sqs" -> "sqs";
            case "S3" -> "s3";
            case "SecretsManager" -> "secretsmanager";
            case "Lambda" -> "lambda";
            case "Sfn" -> "states";
            case "CloudWatch" -> "cloudwatch";
            default -> sdkServiceName.toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** The IAM actions and resources of a request; a DynamoDB transaction is the actions of its items. */
    static List<Call> calls(String prefix, String operation, SdkRequest r) {
        List<Call> out = new ArrayList<>();
        switch (prefix + ":" + operation) {
            case "dynamodb:TransactWriteItems" -> {
                List<?> items = r.getValueForField("TransactItems", List.class).orElse(List.of());
                for (Object i : items) {
                    for (String[] kind : new String[][] {{"Put", "PutItem"}, {"Update", "UpdateItem"}, {"Delete", "DeleteItem"},
                            {"ConditionCheck", "ConditionCheckItem"}}) {
                        Object part = field(i, kind[0]);
                        if (part != null) out.add(new Call("dynamodb:" + kind[1], List.of("table/" + field(part, "TableName"))));
                    }
                }
            }
            case "dynamodb:TransactGetItems" -> {
                List<?> items = r.getValueForField("TransactItems", List.class).orElse(List.of());
                for (Object i : items) {
                    Object get = field(i, "Get");
                    if (get != null) out.add(new Call("dynamodb:GetItem", List.of("table/" + field(get, "TableName"))));
                }
            }
            case "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem" -> {
                Map<?, ?> items = r.getValueForField("RequestItems", Map.class).orElse(Map.of());
                Set<String> tables = new LinkedHashSet<>();
                for (Object t : items.keySet()) tables.add("table/" + t);
                out.add(new Call(prefix + ":" + operation, List.copyOf(tables)));
            }
            default -> out.add(new Call(action(prefix, operation), resources(prefix, operation, r)));
        }
        return out;
    }

    /** IAM's name of an operation where it differs from the API's. */
    static String action(String prefix, String operation) {
        if (prefix.equals("s3") && operation.equals("ListObjectsV2")) return "s3:ListBucket";
        if (prefix.equals("s3") && operation.equals("HeadObject")) return "s3:GetObject";
        // the parts of an upload are PutObject to IAM (its AbortMultipartUpload is its own action)
        if (prefix.equals("s3") && (operation.equals("CreateMultipartUpload") || operation.equals("UploadPart")
                || operation.equals("CompleteMultipartUpload"))) return "s3:PutObject";
        if (prefix.equals("sqs") && operation.equals("SendMessageBatch")) return "sqs:SendMessage";
        if (prefix.equals("sqs") && operation.equals("DeleteMessageBatch")) return "sqs:DeleteMessage";
        if (prefix.equals("sqs") && operation.equals("ChangeMessageVisibilityBatch")) return "sqs:ChangeMessageVisibility";
        return prefix + ":" + operation;
    }

    static List<String> resources(String prefix, String operation, SdkRequest r) {
        List<String> out = new ArrayList<>();
        switch (prefix) {
            case "dynamodb" -> r.getValueForField("TableName", String.class).ifPresent(t -> out.add("table/" + t));
            case "sqs" -> r.getValueForField("QueueUrl", String.class).ifPresent(u -> out.add("queue/" + u.substring(u.lastIndexOf('/') + 1)));
            case "s3" -> {
                String bucket = r.getValueForField("Bucket", String.class).orElse("");
                String key = r.getValueForField("Key", String.class).orElse(null);
                out.add("s3/" + bucket + (key == null ? "" : "/" + key));
            }
            case "secretsmanager" -> r.getValueForField("SecretId", String.class).ifPresent(s -> out.add("secret/" + s));
            case "lambda" -> {
                r.getValueForField("UUID", String.class).ifPresent(u -> out.add("event-source-mapping/" + u));
                r.getValueForField("FunctionName", String.class).ifPresent(f -> out.add("function/" + f));
            }
            case "states" -> {
                r.getValueForField("stateMachineArn", String.class).ifPresent(a -> out.add(a));
                r.getValueForField("executionArn", String.class).ifPresent(a -> out.add(a));
            }
            default -> out.add("*");
        }
        if (out.isEmpty()) out.add("*");
        return out;
    }

    /** A field of an SDK model object that is not a request (a transaction's item). */
    private static Object field(Object model, String name) {
        if (model instanceof software.amazon.awssdk.core.SdkPojo p) {
            for (software.amazon.awssdk.core.SdkField<?> f : p.sdkFields())
                if (f.memberName().equals(name)) return f.getValueOrDefault(model);
        }
        return null;
    }

    private static String line(String function, Call c) {
        StringBuilder b = new StringBuilder("{\"function\":").append(quote(function)).append(",\"action\":").append(quote(c.action()))
                .append(",\"resources\":[");
        for (int i = 0; i < c.resources().size(); i++) b.append(i == 0 ? "" : ",").append(quote(c.resources().get(i)));
        return b.append("]}").toString();
    }

    private static String quote(String s) {
        if (s == null) return "null";
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
