package com.synapbackfill.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering rules of the README's layout, as a test over every module's main classes (this module sees them
 * all): handlers are thin and alone with the Lambda runtime; the services and the ports carry no SDK, HTTP or
 * JDBC types; only the wiring reads the environment.
 */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        // the other modules are jars on this module's classpath: imported by package, tests left out
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("com.synapbackfill");
    }

    @Test
    void onlyTheHandlersAndTheLocalStandInsForLambdaUseTheLambdaRuntime() {
        ArchRule rule = noClasses().that().resideOutsideOfPackages("..lambda..", "com.synapbackfill.cli.bench")
                .and().haveNameNotMatching("com\\.synapbackfill\\.cli\\.(LocalContext|LocalLambdaEndpoint|LocalEventSourceMapping)(\\$.*)?")
                .should().dependOnClassesThat().resideInAPackage("com.amazonaws.services.lambda.runtime..")
                .because("the handlers are the only Lambda-shaped code; the cli's stand-ins play the Lambda service locally");
        rule.check(classes);
    }

    @Test
    void theServicesCarryNoSdkHttpOrJdbcTypes() {
        ArchRule rule = noClasses().that().haveSimpleName("PlannerService").or().haveSimpleName("ShardWorker")
                .or().haveSimpleName("StepReader").or().haveSimpleName("Batches").or().haveSimpleName("FailureRetrier")
                .or().haveSimpleName("BatchSender").or().haveSimpleName("DocumentMapper").or().haveSimpleName("MessagePairing")
                .or().haveSimpleName("ShardPlanner").or().haveSimpleName("StepRunner").or().haveSimpleName("CreditCap")
                .or().haveSimpleName("RunSizing").or().haveSimpleName("ShardStops").or().haveSimpleName("StartAction")
                .or().haveSimpleName("ResumeAction").or().haveSimpleName("StatusAction").or().haveSimpleName("TuneAction")
                .should().dependOnClassesThat().resideInAnyPackage("software.amazon.awssdk..", "okhttp3..", "java.sql..", "com.amazonaws..")
                .because("services speak the ports (Ledger, ShardQueue, TurnSource, SynapApi, ReportStore); adapters speak the SDKs");
        rule.check(classes);
    }

    @Test
    void thePortsImportNoAdapter() {
        ArchRule rule = noClasses().that().haveFullyQualifiedName("com.synapbackfill.ledger.Ledger")
                .or().haveFullyQualifiedName("com.synapbackfill.ledger.RunLedger")
                .or().haveFullyQualifiedName("com.synapbackfill.ledger.ShardLedger")
                .or().haveFullyQualifiedName("com.synapbackfill.ledger.FailureLedger")
                .or().haveFullyQualifiedName("com.synapbackfill.ledger.MetricsLedger")
                .or().haveFullyQualifiedName("com.synapbackfill.ledger.CreditLedger")
                .or().haveFullyQualifiedName("com.synapbackfill.queue.ShardQueue")
                .or().haveFullyQualifiedName("com.synapbackfill.source.TurnSource")
                .or().haveFullyQualifiedName("com.synapbackfill.synap.SynapApi")
                .or().haveFullyQualifiedName("com.synapbackfill.report.ReportStore")
                .or().haveFullyQualifiedName("com.synapbackfill.limit.RateLimiter")
                .should().dependOnClassesThat().resideInAnyPackage("software.amazon.awssdk..", "okhttp3..", "java.sql..")
                .orShould().dependOnClassesThat().haveSimpleNameStartingWith("DynamoDb")
                .orShould().dependOnClassesThat().haveSimpleNameStartingWith("Sqs")
                .orShould().dependOnClassesThat().haveSimpleNameStartingWith("OkHttp")
                .orShould().dependOnClassesThat().haveSimpleNameStartingWith("Jdbc");
        rule.check(classes);
    }

    @Test
    void onlyTheWiringReadsTheEnvironment() {
        ArchRule rule = noClasses().that().resideOutsideOfPackages("com.synapbackfill.cli..", "..lambda..", "com.synapbackfill.config..")
                .should().callMethod(System.class, "getenv").orShould().callMethod(System.class, "getenv", String.class)
                .because("settings come from Settings.fromEnvironment (functions) or the CLI's flags, file and environment");
        rule.check(classes);
    }

    /** #32's split of the Synap client: what answers mean is read apart from the HTTP that fetched them. */
    @Test
    void theSynapClientsReadingOfAnswersCarriesNoHttpTypes() {
        ArchRule rule = noClasses().that().haveFullyQualifiedName("com.synapbackfill.synap.SynapErrors")
                .or().haveFullyQualifiedName("com.synapbackfill.synap.SynapAnswers")
                .or().haveFullyQualifiedName("com.synapbackfill.synap.Credits")
                .should().dependOnClassesThat().resideInAPackage("okhttp3..")
                .orShould().dependOnClassesThat().haveSimpleName("OkHttpSynapApi")
                .because("a status code, a detail and a 200's body are classified without the client that fetched them");
        rule.check(classes);
    }

    /** Only the Synap wiring names the OkHttp adapter: the planner's checks and the worker speak the SynapApi port. */
    @Test
    void onlyTheWiringNamesTheSynapAdapter() {
        ArchRule rule = noClasses().that().resideInAnyPackage("com.synapbackfill.planner", "com.synapbackfill.worker")
                .and().haveSimpleNameNotEndingWith("Components")
                .should().dependOnClassesThat().haveSimpleName("OkHttpSynapApi")
                .because("RunPreflight and ShardWorker format credits with Credits and call Synap through SynapApi");
        rule.check(classes);
    }

    /** The model of DynamoDB's limits is a test instrument: nothing outside the bench may route through it. */
    @Test
    void onlyTheBenchUsesTheDynamoDbLimitModel() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("com.synapbackfill.cli.bench")
                .should().dependOnClassesThat().haveSimpleName("DynamoDbLimitModel")
                .because("it refuses writes on purpose (#33); production code talks to DynamoDB directly");
        rule.check(classes);
    }

    /** #32's split of the DynamoDB ledger: its parts serve the ledger and never reach back into it. */
    @Test
    void theLedgersPartsDoNotReachBackIntoTheLedger() {
        ArchRule rule = noClasses().that().haveSimpleName("LedgerCalls").or().haveSimpleName("LedgerMinutes").or().haveSimpleName("LedgerLeases")
                .or().haveSimpleName("LedgerCredits").or().haveSimpleName("LedgerFailures").or().haveSimpleName("StepUpdates")
                .should().dependOnClassesThat().haveSimpleName("DynamoDbLedger")
                .because("DynamoDbLedger composes them: minutes, credits, failures, a step's updates, and the calls that translate DynamoDB's errors");
        rule.check(classes);
    }

    /**
     * #32's split of the planner: its arithmetic is apart from its actions and calls no queue, store or service (the
     * ledger's latency buckets, a constant, are all it reads of the ledger).
     */
    @Test
    void thePlannersSizingIsArithmeticNotAnAction() {
        ArchRule rule = noClasses().that().haveFullyQualifiedName("com.synapbackfill.planner.RunSizing")
                .should().dependOnClassesThat().haveSimpleName("ShardQueue")
                .orShould().dependOnClassesThat().haveSimpleName("ReportStore")
                .orShould().dependOnClassesThat().haveSimpleName("PlannerService")
                .because("estimate, start and tune share one sizing; only reading a sample of the source is allowed");
        rule.check(classes);
    }

    /** #32's split of the emulator: its models of faults, extraction and rate decide without the HTTP server. */
    @Test
    void theEmulatorsModelsDoNotTouchTheHttpServer() {
        ArchRule rule = noClasses().that().haveFullyQualifiedName("com.synapbackfill.emulator.FaultPlan")
                .or().haveFullyQualifiedName("com.synapbackfill.emulator.ExtractionModel")
                .or().haveFullyQualifiedName("com.synapbackfill.emulator.TokenBucket")
                .or().haveFullyQualifiedName("com.synapbackfill.emulator.CreditWallet")
                .or().haveFullyQualifiedName("com.synapbackfill.emulator.DocumentValidator")
                .or().haveFullyQualifiedName("com.synapbackfill.emulator.DocumentStore")
                .or().haveFullyQualifiedName("com.synapbackfill.emulator.KeyRing")
                .or().haveFullyQualifiedName("com.synapbackfill.emulator.CallGate")
                .or().haveFullyQualifiedName("com.synapbackfill.emulator.LiveSettings")
                .should().dependOnClassesThat().resideInAPackage("com.sun.net.httpserver..")
                .orShould().dependOnClassesThat().haveSimpleName("SynapEmulator")
                .because("the server answers; what a call meets and what becomes of a document are decided apart from it");
        rule.check(classes);
    }

    /** #32: the emulator's endpoints take a Call and give a Reply; only SynapEmulator speaks HTTP. */
    @Test
    void theEmulatorsEndpointsDoNotTouchTheHttpServer() {
        ArchRule rule = noClasses().that().resideInAPackage("com.synapbackfill.emulator..")
                .and().doNotHaveSimpleName("SynapEmulator")
                .and().doNotHaveSimpleName("SynapEmulatorMain")
                .should().dependOnClassesThat().resideInAPackage("com.sun.net.httpserver..")
                .because("an endpoint decides the answer (a Reply); the server alone reads and writes the exchange");
        rule.check(classes);
    }

    /** #32: estimate's samples read and render the table; only EstimateCommand's --send talks to Synap. */
    @Test
    void estimatesSamplesSendNothing() {
        ArchRule rule = noClasses().that().haveFullyQualifiedName("com.synapbackfill.cli.TurnSample")
                .or().haveFullyQualifiedName("com.synapbackfill.cli.MessageSample")
                .should().dependOnClassesThat().resideInAnyPackage("com.synapbackfill.synap..", "okhttp3..")
                .because("a sample is validated without sending anything; what is sent (--send) is the command's, and said so");
        rule.check(classes);
    }

    /** #32: the ledger port in parts; a caller that uses one part depends on that part, not on the whole port. */
    @Test
    void callersOfOnePartOfTheLedgerDependOnThatPartAlone() {
        ArchRule rule = noClasses().that().haveFullyQualifiedName("com.synapbackfill.worker.CreditCap")
                .or().haveFullyQualifiedName("com.synapbackfill.worker.TroubleGate")
                .or().haveFullyQualifiedName("com.synapbackfill.worker.VerifyStep")
                .or().haveFullyQualifiedName("com.synapbackfill.worker.StepRunner")
                .or().haveFullyQualifiedName("com.synapbackfill.cli.StatusCommand")
                .should().dependOnClassesThat().haveFullyQualifiedName("com.synapbackfill.ledger.Ledger")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("com.synapbackfill.ledger.DynamoDbLedger")
                .because("RunLedger, ShardLedger, FailureLedger, MetricsLedger and CreditLedger are the parts their callers use");
        rule.check(classes);
    }

    /** #32: one class per planner action, composed by PlannerService; status and tune read the run and never enqueue. */
    @Test
    void eachPlannerActionStandsAloneAndOnlyStartAndResumeEnqueue() {
        ArchRule alone = noClasses().that().haveFullyQualifiedName("com.synapbackfill.planner.StartAction")
                .or().haveFullyQualifiedName("com.synapbackfill.planner.ResumeAction")
                .or().haveFullyQualifiedName("com.synapbackfill.planner.StatusAction")
                .or().haveFullyQualifiedName("com.synapbackfill.planner.TuneAction")
                .or().haveFullyQualifiedName("com.synapbackfill.planner.RunReport")
                .should().dependOnClassesThat().haveSimpleName("PlannerService")
                .because("PlannerService composes the actions; an action needs only its collaborators");
        alone.check(classes);
        ArchRule readOnly = noClasses().that().haveFullyQualifiedName("com.synapbackfill.planner.StatusAction")
                .or().haveFullyQualifiedName("com.synapbackfill.planner.TuneAction")
                .should().dependOnClassesThat().haveSimpleName("ShardQueue")
                .because("asking where a run stands, or how many workers it needs, sends no shard");
        readOnly.check(classes);
    }
}
