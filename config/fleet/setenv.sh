# One server of a fleet (Tomcat 10.1 or 11): $CATALINA_BASE/bin/setenv.sh.
# S3 credentials come from the AWS SDK's default chain, never from web.xml or context.xml. On EC2,
# ECS or EKS give the machine or pod a role and set nothing here. Elsewhere, the environment of
# the Tomcat process (this file is sourced by catalina.sh; keep it readable by Tomcat's user only):
export AWS_ACCESS_KEY_ID=AKIA................
export AWS_SECRET_ACCESS_KEY=........................................
# or a profile in ~tomcat/.aws/credentials:
# export AWS_PROFILE=iip-servlet

CATALINA_OPTS="$CATALINA_OPTS -Xmx2g"
