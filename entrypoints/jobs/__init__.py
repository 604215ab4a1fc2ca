"""Jobs the kit's images run: `docker run IMAGE <job> [args]`; each module has `main(argv)`."""
