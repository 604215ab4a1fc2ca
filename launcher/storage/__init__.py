"""Host-side data movement for the local backend: where inputs come from and where outputs go.

    locations  parse "s3://bucket/key", "file:///path" or a local path     -> S3Location | LocalLocation
    listing    list the objects an input refers to (S3Prefix, ManifestFile) -> list[SourceObject]
    sharding   split them between hosts (FullyReplicated, ShardedByS3Key)   -> list[list[SourceObject]]
    transfer   download a shard into a folder, upload a folder, open a stream
    client     the boto3 S3 client factory (lazy: local-only jobs never read AWS credentials)
    errors     StorageError and its subclasses

Typical use:

    s3 = LazyS3Client(endpoint_url=None, region=None)
    objects = list_source(parse_location(uri), S3DataType.S3_PREFIX, s3)
    for host_dir, objs in zip(host_dirs, shard(objects, len(host_dirs), Distribution.SHARDED_BY_S3_KEY)):
        download(objs, host_dir, s3)
    report = upload(output_dir, parse_location(destination), s3)
"""

from launcher.storage.client import LazyS3Client, S3Client, S3ClientProvider, s3_client
from launcher.storage.errors import (
    LandingConflictError,
    LocalFileError,
    LocationError,
    ManifestError,
    S3AccessError,
    SourceNotFoundError,
    StorageError,
    UnsafeKeyError,
)
from launcher.storage.listing import S3DataType, SourceObject, list_source
from launcher.storage.locations import LocalLocation, Location, S3Location, parse_location
from launcher.storage.sharding import Distribution, shard
from launcher.storage.transfer import (
    ByteStream,
    ProgressCallback,
    SkippedEntry,
    UploadReport,
    download,
    open_stream,
    upload,
    upload_one,
)

__all__ = [
    "ByteStream",
    "Distribution",
    "LandingConflictError",
    "LazyS3Client",
    "LocalFileError",
    "LocalLocation",
    "Location",
    "LocationError",
    "ManifestError",
    "ProgressCallback",
    "S3AccessError",
    "S3Client",
    "S3ClientProvider",
    "S3DataType",
    "S3Location",
    "SkippedEntry",
    "SourceNotFoundError",
    "SourceObject",
    "StorageError",
    "UnsafeKeyError",
    "UploadReport",
    "download",
    "list_source",
    "open_stream",
    "parse_location",
    "s3_client",
    "shard",
    "upload",
    "upload_one",
]
