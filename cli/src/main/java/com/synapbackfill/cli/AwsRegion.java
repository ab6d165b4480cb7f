package com.synapbackfill.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.profiles.ProfileProperty;

/**
 * The region of a deployed stack's commands, found where the AWS CLI and SAM look, in their order: {@code --region} (or the
 * config file's {@code region}), {@code AWS_REGION}, {@code AWS_DEFAULT_REGION}, then the {@code region} of the profile
 * ({@code AWS_PROFILE}, else {@code default}) in the config file ({@code AWS_CONFIG_FILE}, else {@code ~/.aws/config}).
 * The Java SDK's own chain reads neither {@code AWS_DEFAULT_REGION} nor stops before asking the EC2 metadata service, and
 * names what it missed as a dump of its providers.
 */
final class AwsRegion {
    private AwsRegion() {
    }

    /** The region, or an IllegalArgumentException naming every place looked at, in one line. */
    static String resolve(String flag, CliConfig c) {
        if (flag != null && !flag.isBlank()) return flag.trim();
        String property = System.getProperty("aws.region");
        if (property != null && !property.isBlank()) return property.trim();
        for (String v : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
            if (c.env(v) != null) return c.env(v).trim();
        }
        String profile = c.env("AWS_PROFILE") != null ? c.env("AWS_PROFILE").trim() : "default";
        Path file = c.env("AWS_CONFIG_FILE") != null ? Path.of(c.env("AWS_CONFIG_FILE"))
                : Path.of(System.getProperty("user.home"), ".aws", "config");
        Optional<String> fromProfile = profileRegion(file, profile);
        if (fromProfile.isPresent()) return fromProfile.get();
        throw new IllegalArgumentException("AWS region: none set: no --region, AWS_REGION or AWS_DEFAULT_REGION, and profile \"" + profile
                + "\" in " + file + (Files.isRegularFile(file) ? " has no region" : " (no such file)")
                + "; set one, e.g. export AWS_REGION=eu-west-1, or pass --region");
    }

    private static Optional<String> profileRegion(Path file, String profile) {
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            ProfileFile f = ProfileFile.builder().content(file).type(ProfileFile.Type.CONFIGURATION).build();
            return f.profile(profile).flatMap(p -> p.property(ProfileProperty.REGION)).map(String::trim).filter(r -> !r.isEmpty());
        } catch (RuntimeException unreadable) {
            throw new IllegalArgumentException("AWS region: cannot read the profile file " + file + ": " + unreadable.getMessage());
        }
    }
}
