#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars and the MongoDB-wire test server (mongo-java-server) from Maven Central
# into .cache/jars/{kafka,mongo}-<version>/ for the `local` stack provider, and the official Structurizr DSL parser
# into .cache/jars/structurizr-dsl-<version>/ for the architecture exporter's test. Idempotent: a complete folder is kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck disable=SC1091
source "$root/docker/.env"
# The cache folder: .cache/ of the checkout, or $EVENTSCOPE_HOME (the same rule as main/console/stack/paths.ts).
cache="${EVENTSCOPE_HOME:-$root/.cache}"
command -v mvn >/dev/null || { echo "fetch-jars: Maven (mvn) is not installed; the local stack needs it to fetch the Kafka jars" >&2; exit 1; }
command -v java >/dev/null || { echo "fetch-jars: Java is not installed; the local stack runs Kafka with it" >&2; exit 1; }

# The Structurizr DSL parser's version (tools/structurizr/pom.xml; main/console/export/architecture.test.ts reads it too).
STRUCTURIZR_DSL_VERSION="${STRUCTURIZR_DSL_VERSION:-4.1.0}"

fetch() { # profile dir [pom]
  local profile=$1 dir=$2 pom=${3:-$root/tools/kafka/pom.xml}
  if [ -f "$dir/.complete" ]; then echo "fetch-jars: $dir is ready"; return; fi
  echo "fetch-jars: fetching $profile jars into $dir"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  mvn -B -q -f "$pom" -P "$profile" \
    -Dkafka.version="$KAFKA_VERSION" -Dmongo.java.server.version="$MONGO_JAVA_SERVER_VERSION" \
    -Dstructurizr.dsl.version="$STRUCTURIZR_DSL_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$dir.tmp" -DincludeScope=runtime
  touch "$dir.tmp/.complete"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}
fetch kafka "$cache/jars/kafka-$KAFKA_VERSION"
fetch mongo "$cache/jars/mongo-java-server-$MONGO_JAVA_SERVER_VERSION"
fetch structurizr "$cache/jars/structurizr-dsl-$STRUCTURIZR_DSL_VERSION" "$root/tools/structurizr/pom.xml"
