#!/usr/bin/env bash
# Puts Apache Kafka's broker jars (KRaft mode, no ZooKeeper) in a cache outside the checkout and
# exports CENTRIFUGO_TS_KAFKA_LIBS, the folder the tests put on the JVM's classpath (source it).
# The jars come from Maven Central through mvn (kafka_2.13 and everything it depends on; no
# logging backend, so the broker logs nothing); a second run costs nothing. Java 17+ runs it.
CENTRIFUGO_TS_KAFKA_VERSION="${CENTRIFUGO_TS_KAFKA_VERSION:-4.1.1}"
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"
kafka_dir="$CENTRIFUGO_TS_CACHE/kafka-$CENTRIFUGO_TS_KAFKA_VERSION"
if [ ! -f "$kafka_dir/libs/.complete" ]; then
  for tool in mvn java; do
    command -v "$tool" >/dev/null 2>&1 \
      || { echo "ensure-kafka: $tool is needed" >&2; return 1 2>/dev/null || exit 1; }
  done
  echo "ensure-kafka: fetching kafka_2.13 $CENTRIFUGO_TS_KAFKA_VERSION jars into $kafka_dir" >&2
  kafka_start=$(date +%s)
  mkdir -p "$CENTRIFUGO_TS_CACHE"
  kafka_tmp="$(mktemp -d "$CENTRIFUGO_TS_CACHE/.kafka-fetch.XXXXXX")"
  cat >"$kafka_tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.centrifugo-ts</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$CENTRIFUGO_TS_KAFKA_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
  if ! (cd "$kafka_tmp" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$kafka_tmp/libs" >&2); then
    echo "ensure-kafka: mvn dependency:copy-dependencies failed" >&2
    rm -rf "$kafka_tmp"
    return 1 2>/dev/null || exit 1
  fi
  touch "$kafka_tmp/libs/.complete"
  rm -rf "$kafka_dir" && mkdir -p "$kafka_dir" && mv "$kafka_tmp/libs" "$kafka_dir/libs"
  rm -rf "$kafka_tmp"
  echo "ensure-kafka: fetched in $(( $(date +%s) - kafka_start ))s" >&2
fi
export CENTRIFUGO_TS_KAFKA_LIBS="$kafka_dir/libs"
echo "ensure-kafka: kafka_2.13 $CENTRIFUGO_TS_KAFKA_VERSION jars at $CENTRIFUGO_TS_KAFKA_LIBS" >&2
