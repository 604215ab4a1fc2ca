import launcher.storage
from launcher.storage import StorageError

EXPORTED = {
    "ByteStream", "Distribution", "LandingConflictError", "LazyS3Client", "LocalFileError", "LocalLocation",
    "Location", "LocationError", "ManifestError", "ProgressCallback", "S3AccessError", "S3Client",
    "S3ClientProvider", "S3DataType", "S3Location", "SkippedEntry", "SourceNotFoundError", "SourceObject",
    "StorageError", "UnsafeKeyError", "UploadReport", "download", "list_source", "open_stream",
    "parse_location", "s3_client", "shard", "upload", "upload_one",
}  # fmt: skip


def test_public_surface_does_not_drift():
    assert set(launcher.storage.__all__) == EXPORTED
    assert all(hasattr(launcher.storage, name) for name in EXPORTED)


def test_every_error_is_a_storage_error():
    errors = [getattr(launcher.storage, name) for name in EXPORTED if name.endswith("Error")]
    assert len(errors) == 8
    assert all(issubclass(error, StorageError) for error in errors)
