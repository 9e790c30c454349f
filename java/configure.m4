# Java (optional; issue 10): the Maven artifact org.openstack.oaktree:oaktreemodel.
# Included from configure.ac; OAKTREE_CHECK_JAVA is called before AC_CONFIG_FILES.
#
# Needs a JDK >= 17 (javac; the jar itself is Java 8 bytecode) and Maven, and a
# Maven local repository that ./setup.sh filled from java/pom.xml (protoc and
# protoc-gen-grpc-java executables, protobuf-java, grpc-java, the Maven plugins):
# make and make check then run Maven offline (-o) against it.
AC_DEFUN([OAKTREE_CHECK_JAVA], [
AC_ARG_WITH([java],
  [AS_HELP_STRING([--without-java], [do not build the Java package even if a JDK and Maven are found])],
  [], [with_java=check])
AC_ARG_WITH([maven-repo],
  [AS_HELP_STRING([--with-maven-repo=DIR],
    [Maven local repository filled by ./setup.sh (default: $OAKTREE_MAVEN_REPO, else ~/.m2/repository)])],
  [MAVEN_REPO=$withval], [MAVEN_REPO="${OAKTREE_MAVEN_REPO:-$HOME/.m2/repository}"])
AC_ARG_VAR([JAVAC], [Java compiler of a JDK >= 17])
AC_ARG_VAR([JAVA], [Java launcher (default: the one beside javac)])
AC_ARG_VAR([MVN], [Maven (3.8.7 or later)])
JAVA_SKIP_REASON=
# The versions pinned in java/pom.xml (the single place they live).
oaktree_pom_prop() {
  sed -n "s|^ *<$[]1>\(.*\)</$[]1>.*|\1|p" "$srcdir/java/pom.xml" | head -n 1
}
JAVA_PROTOC_PIN=`oaktree_pom_prop protoc.version`
JAVA_GRPC_PLUGIN_PIN=`oaktree_pom_prop protoc-gen-grpc-java.version`
JAVA_PROTOBUF_PIN=`oaktree_pom_prop protobuf.version`
JAVA_GRPC_PIN=`oaktree_pom_prop grpc.version`
JAVA_RELEASE_PIN=`oaktree_pom_prop maven.compiler.release`
AS_IF([test "x$with_java" = xno],
  [JAVA_SKIP_REASON="configured --without-java"],
  [AC_PATH_PROG([JAVAC], [javac])
   AS_IF([test -z "$JAVAC"],
     [JAVA_SKIP_REASON="javac (JDK >= 17) not found (Debian: apt-get install openjdk-17-jdk-headless)"],
     [javac_bindir=`AS_DIRNAME(["$JAVAC"])`
      AC_PATH_PROG([JAVA], [java], [], [$javac_bindir$PATH_SEPARATOR$PATH])
      AC_MSG_CHECKING([whether $JAVAC is a JDK >= 17])
      JAVAC_VERSION=`"$JAVAC" -version 2>&1 | sed -n 's/^javac \([[0-9.]]*\).*/\1/p'`
      javac_major=`echo "$JAVAC_VERSION" | cut -d. -f1`
      AS_IF([test -n "$javac_major" && test "$javac_major" -ge 17 2>/dev/null && test -n "$JAVA"],
        [AC_MSG_RESULT([yes ($JAVAC_VERSION)])],
        [AC_MSG_RESULT([no (${JAVAC_VERSION:-unknown})])
         JAVA_SKIP_REASON="$JAVAC is ${JAVAC_VERSION:-not a javac}, a JDK >= 17 with java is needed (Debian: apt-get install openjdk-17-jdk-headless)"])])
   AS_IF([test -z "$JAVA_SKIP_REASON"],
     [AC_PATH_PROG([MVN], [mvn])
      AS_IF([test -z "$MVN"],
        [JAVA_SKIP_REASON="mvn not found (Debian: apt-get install maven)"],
        [MVN_VERSION=`"$MVN" -v 2>/dev/null | sed -n 's/^.*Apache Maven \([[0-9.]]*\).*/\1/p' | head -n 1`])])
   AS_IF([test -z "$JAVA_SKIP_REASON"],
     [AC_MSG_CHECKING([for the pinned Java build inputs in $MAVEN_REPO])
      java_missing=
      for f in \
        "com/google/protobuf/protoc/$JAVA_PROTOC_PIN/protoc-$JAVA_PROTOC_PIN-linux-x86_64.exe" \
        "io/grpc/protoc-gen-grpc-java/$JAVA_GRPC_PLUGIN_PIN/protoc-gen-grpc-java-$JAVA_GRPC_PLUGIN_PIN-linux-x86_64.exe" \
        "com/google/protobuf/protobuf-java/$JAVA_PROTOBUF_PIN/protobuf-java-$JAVA_PROTOBUF_PIN.jar" \
        "io/grpc/grpc-netty-shaded/$JAVA_GRPC_PIN/grpc-netty-shaded-$JAVA_GRPC_PIN.jar"; do
        test -f "$MAVEN_REPO/$f" || java_missing="$java_missing $f"
      done
      AS_IF([test -z "$java_missing"], [AC_MSG_RESULT([yes])],
        [AC_MSG_RESULT([no])
         JAVA_SKIP_REASON="the Maven repository $MAVEN_REPO lacks what java/pom.xml pins (${java_missing# }); run ./setup.sh (or pass --with-maven-repo=DIR)"])])
   AS_IF([test -n "$JAVA_SKIP_REASON" && test "x$with_java" = xyes],
     [AC_MSG_ERROR([--with-java: $JAVA_SKIP_REASON])])
   AS_IF([test -n "$JAVA_SKIP_REASON"],
     [AC_MSG_WARN([Java disabled: $JAVA_SKIP_REASON])])])
AC_SUBST([JAVA_SKIP_REASON])
AC_SUBST([MAVEN_REPO])
AM_CONDITIONAL([HAVE_JAVA], [test -z "$JAVA_SKIP_REASON"])
AS_IF([test -z "$JAVA_SKIP_REASON"],
  [OAKTREE_SUMMARY="$OAKTREE_SUMMARY
  Java:               $JAVAC ($JAVAC_VERSION, bytecode release $JAVA_RELEASE_PIN), Maven $MVN ($MVN_VERSION), repository $MAVEN_REPO
  Java pins:          protoc $JAVA_PROTOC_PIN, protoc-gen-grpc-java $JAVA_GRPC_PLUGIN_PIN, protobuf-java $JAVA_PROTOBUF_PIN, grpc-java $JAVA_GRPC_PIN"],
  [OAKTREE_SUMMARY="$OAKTREE_SUMMARY
  Java:               no ($JAVA_SKIP_REASON)"])
])
