# sam build (BuildMethod: makefile): one target per function. The shaded jar goes to lib/ of the artifact,
# where Lambda's Java runtime puts it on the classpath.
MVN ?= mvn -B -q -ntp

build-PlannerFunction:
	$(MVN) -DskipTests -pl planner -am package
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp planner/target/planner-lambda.jar "$(ARTIFACTS_DIR)/lib/"

build-WorkerFunction:
	$(MVN) -DskipTests -pl worker -am package
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp worker/target/worker-lambda.jar "$(ARTIFACTS_DIR)/lib/"

# the verify function runs the worker's jar (VerifyHandler)
build-VerifyFunction:
	$(MVN) -DskipTests -pl worker -am package
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp worker/target/worker-lambda.jar "$(ARTIFACTS_DIR)/lib/"
