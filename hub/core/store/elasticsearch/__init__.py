"""The store for deployments that outgrow one machine: Elasticsearch 8.x."""

from hub.core.store.elasticsearch.store import ElasticsearchStore

__all__ = ["ElasticsearchStore"]
