# Tomcat 10.1 or 11: JVM options for iip-servlet. Copy to $CATALINA_BASE/bin/setenv.sh
# (catalina.sh reads it at every start). They apply to the whole Tomcat.

# Heap for decoding, encoding and the cache's on-heap tier. The off-heap tier
# (MAX_IMAGE_CACHE_SIZE MB) and any JPEG2000 codecs (OpenJPEG) come on top, outside the heap.
CATALINA_OPTS="$CATALINA_OPTS -Xmx1g"

# Log4j 2 configuration in place of the one bundled in the WAR: config/log4j2.xml is an example
# (a daily rolling file beside the console). VERBOSITY and LOGFILE still apply on top of it.
CATALINA_OPTS="$CATALINA_OPTS -Dlog4j2.configurationFile=/etc/iip-servlet/log4j2.xml"

# Any variable of the table in docs/operations.md (Configuration) may be set here too, as a system property
# (it then applies to every iip-servlet webapp of this Tomcat), e.g.:
# CATALINA_OPTS="$CATALINA_OPTS -DMEMCACHED_SERVERS=cache1:11211,cache2:11211"

export CATALINA_OPTS
