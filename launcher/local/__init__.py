"""The local backend: runs a JobDefinition on the local Docker engine the way SageMaker runs it."""
