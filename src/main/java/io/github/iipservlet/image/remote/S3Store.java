package io.github.iipservlet.image.remote;

import io.github.iipservlet.image.ImageSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3 bucket (or any store speaking its API: Ceph RGW, MinIO...) through the AWS SDK for Java v2
 * with its URLConnection HTTP client. Credentials come from the SDK's default chain (environment,
 * system properties, profile files, container and instance roles, web identity), never from the
 * webapp's configuration (docs/operations.md "Object storage").
 *
 * <p>Every call of the SDK runs on a thread of this store's own, which ends at {@link #close()},
 * never on the container's request thread that asks: the SDK leaves state on the threads it runs
 * on, which would keep the webapp's class loader after an undeploy for as long as the container
 * keeps its threads. Seen in a heap dump of Tomcat: the XMLInputFactory the SDK keeps per thread
 * to parse XML replies (a listing, an error), whose JDK reader still holds the last reply's
 * stream, an object of an SDK class.
 */
final class S3Store implements Store {
    private final String bucket;
    /** The key prefix inside the bucket ("" or anything, names are appended to it). */
    private final String keyPrefix;
    private final S3Client client;
    /** The threads the SDK's calls run on: as many as calls to the store at once (REMOTE_CONNECTIONS). */
    private final ThreadPoolExecutor threads;

    /**
     * @param location {@code s3://bucket/optional/prefix}
     * @param endpoint S3_ENDPOINT, or empty for AWS
     * @param region   S3_REGION, or empty for the SDK's lookup (us-east-1 when it finds none)
     */
    S3Store(URI location, String endpoint, String region, boolean pathStyle, Duration timeout, int connections) {
        this.bucket = location.getHost() != null ? location.getHost() : location.getAuthority();
        String path = location.getRawPath() == null ? "" : location.getRawPath();
        this.keyPrefix = path.startsWith("/") ? path.substring(1) : path;
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(timeout).socketTimeout(timeout))
                .forcePathStyle(pathStyle)
                // Checksums only where S3 requires them: ranged GETs cannot be checked whole, and
                // compatible stores (s3proxy, older Ceph) refuse the SDK's default checksum headers.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.apiCallTimeout(timeout.multipliedBy(2)).apiCallAttemptTimeout(timeout)
                        // One retry at most: a store that is down must fail fast (docs/operations.md "Object storage").
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(2).build()));
        if (!endpoint.isEmpty()) {
            b.endpointOverride(URI.create(endpoint));
        }
        if (!region.isEmpty()) {
            b.region(Region.of(region));
        } else if (System.getenv("AWS_REGION") == null && System.getProperty("aws.region") == null) {
            b.region(Region.US_EAST_1);
        }
        this.client = b.build();
        AtomicInteger n = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(connections, connections, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "iip-s3-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        threads.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code call} on one of {@link #threads} and waits for it (the SDK's own timeouts bound it). */
    private <T> T onOwnThread(Callable<T> call) throws IOException {
        Future<T> result;
        try {
            result = threads.submit(call);
        } catch (RejectedExecutionException e) {
            throw new IOException("store closed", e);
        }
        try {
            return result.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            result.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the store");
        }
    }

    @Override
    public String describe() {
        return "s3://" + bucket + "/" + keyPrefix;
    }

    private String key(String name) {
        return keyPrefix + name;
    }

    @Override
    public Reply get(String name, long first, long last, String ifMatch) throws IOException {
        return onOwnThread(() -> getHere(name, first, last, ifMatch));
    }

    private Reply getHere(String name, long first, long last, String ifMatch) throws IOException {
        GetObjectRequest.Builder r = GetObjectRequest.builder().bucket(bucket).key(key(name))
                .range("bytes=" + first + "-" + last);
        if (ifMatch != null) {
            r.ifMatch(ifMatch);
        }
        try {
            ResponseBytes<GetObjectResponse> got = client.getObject(r.build(), ResponseTransformer.toBytes());
            GetObjectResponse meta = got.response();
            return new Reply(206, total(meta.contentRange(), meta.contentLength()), meta.eTag(),
                    meta.lastModified() == null ? 0 : meta.lastModified().toEpochMilli(), got.asByteArray());
        } catch (S3Exception e) {
            return new Reply(e.statusCode(), -1, null, 0, null);
        } catch (SdkClientException e) {
            throw new IOException(e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public Reply head(String name, String ifNoneMatch) throws IOException {
        return onOwnThread(() -> headHere(name, ifNoneMatch));
    }

    private Reply headHere(String name, String ifNoneMatch) throws IOException {
        try {
            HeadObjectResponse meta = client.headObject(r -> {
                r.bucket(bucket).key(key(name));
                if (ifNoneMatch != null) {
                    r.ifNoneMatch(ifNoneMatch);
                }
            });
            return new Reply(200, meta.contentLength(), meta.eTag(),
                    meta.lastModified() == null ? 0 : meta.lastModified().toEpochMilli(), null);
        } catch (S3Exception e) {
            return new Reply(e.statusCode(), -1, null, 0, null);
        } catch (SdkException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public Reply download(String name, String ifMatch, Path to) throws IOException {
        return onOwnThread(() -> downloadHere(name, ifMatch, to));
    }

    private Reply downloadHere(String name, String ifMatch, Path to) throws IOException {
        GetObjectRequest.Builder r = GetObjectRequest.builder().bucket(bucket).key(key(name));
        if (ifMatch != null) {
            r.ifMatch(ifMatch);
        }
        try {
            Files.deleteIfExists(to);
            GetObjectResponse meta = client.getObject(r.build(), ResponseTransformer.toFile(to));
            return new Reply(200, Files.size(to), meta.eTag(),
                    meta.lastModified() == null ? 0 : meta.lastModified().toEpochMilli(), null);
        } catch (S3Exception e) {
            return new Reply(e.statusCode(), -1, null, 0, null);
        } catch (SdkException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The total of {@code bytes a-b/total}, else the length. */
    private static long total(String contentRange, Long length) {
        if (contentRange != null) {
            int slash = contentRange.lastIndexOf('/');
            try {
                return Long.parseLong(contentRange.substring(slash + 1).trim());
            } catch (RuntimeException e) {
                // fall through
            }
        }
        return length == null ? -1 : length;
    }

    @Override
    public boolean canList() {
        return true;
    }

    @Override
    public List<ImageSource.Listed> list(String folder) throws IOException {
        return onOwnThread(() -> listHere(folder));
    }

    private List<ImageSource.Listed> listHere(String folder) throws IOException {
        List<ImageSource.Listed> out = new ArrayList<>();
        String prefix = key(folder);
        try {
            String token = null;
            do {
                ListObjectsV2Request.Builder r = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                        .delimiter("/");
                if (token != null) {
                    r.continuationToken(token);
                }
                ListObjectsV2Response page = client.listObjectsV2(r.build());
                for (CommonPrefix p : page.commonPrefixes()) {
                    String name = p.prefix().substring(keyPrefix.length());
                    out.add(new ImageSource.Listed(name, label(name), true, -1));
                }
                for (S3Object o : page.contents()) {
                    if (!o.key().endsWith("/")) {
                        String name = o.key().substring(keyPrefix.length());
                        out.add(new ImageSource.Listed(name, label(name), false, o.size()));
                    }
                }
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (token != null && out.size() < 100_000);
        } catch (S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                return List.of();
            }
            throw new IOException("listing failed: " + e.statusCode(), e);
        } catch (SdkException e) {
            throw new IOException(e.getMessage(), e);
        }
        return out;
    }

    /** The last segment of a name, without a folder's closing '/'. */
    private static String label(String name) {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return n.substring(n.lastIndexOf('/') + 1);
    }

    @Override
    public void close() {
        threads.shutdownNow();
        client.close();
    }
}
