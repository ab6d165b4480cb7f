package com.synapbackfill.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the deployed path's parts are: the repository, the shaded jars laid out as {@code sam build} lays them,
 * the Java runtime interface client copied by this module's build, and the tools the project's own scripts
 * install (pinned, cached under the user's cache directory): AWS's Runtime Interface Emulator and LocalStack.
 */
final class Tools {
    private Tools() {
    }

    static Path repo() {
        return Path.of(System.getProperty("e2e.repo", "..")).toAbsolutePath().normalize();
    }

    static Path target() {
        return Path.of(System.getProperty("e2e.target", "target")).toAbsolutePath();
    }

    /** The directory of the runtime interface client and its dependencies (Lambda's /var/runtime/lib). */
    static Path ricClasspath() {
        Path dir = Path.of(System.getProperty("e2e.ric", "target/ric")).toAbsolutePath();
        if (!Files.isDirectory(dir)) throw new IllegalStateException("no runtime interface client under " + dir + " (run through Maven)");
        return dir;
    }

    /**
     * A function's code directory as {@code sam build} lays it out with this repository's Makefile:
     * {@code <Function>/lib/<module>-lambda.jar} (Lambda's Java runtime puts {@code lib/*} on the classpath).
     */
    static Path samLayout(String function, String module) {
        Path jar = repo().resolve(module).resolve("target").resolve(module + "-lambda.jar");
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("no shaded jar " + jar + " (mvn package first)");
        Path dir = target().resolve("sam").resolve(function);
        try {
            Files.createDirectories(dir.resolve("lib"));
            Files.copy(jar, dir.resolve("lib").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return dir;
    }

    /** AWS's Runtime Interface Emulator, built once by {@code scripts/install-rie}. */
    static synchronized Path rie() {
        return Path.of(script("install-rie"));
    }

    /** LocalStack's virtualenv bin directory, made once by {@code scripts/localstack-venv}. */
    static synchronized Path localStackBin() {
        return Path.of(script("localstack-venv"));
    }

    /** Runs one of the project's install scripts and returns the last line it printed (a path). */
    static String script(String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of(repo().resolve("scripts").resolve(name).toString()));
        cmd.addAll(List.of(args));
        Result r = run(repo(), cmd, 900);
        if (r.exit != 0) throw new IllegalStateException("scripts/" + name + " failed (exit " + r.exit + "):\n" + r.output);
        String[] lines = r.stdout.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    record Result(int exit, String stdout, String output) {
    }

    /** Runs a command; stdout apart, stderr merged into {@code output} with it. */
    static Result run(Path dir, List<String> cmd, long timeoutSeconds) {
        return run(dir, cmd, java.util.Map.of(), timeoutSeconds);
    }

    static Result run(Path dir, List<String> cmd, java.util.Map<String, String> env, long timeoutSeconds) {
        try {
            Path err = Files.createTempFile(target(), "cmd", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + ": no end after " + timeoutSeconds + " s");
            }
            String stdout = new String(out, StandardCharsets.UTF_8);
            String stderr = Files.readString(err);
            Files.deleteIfExists(err);
            return new Result(p.exitValue(), stdout, stdout + stderr);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
