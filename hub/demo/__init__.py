"""The deterministic demo dataset: agencies, systems, assets with real-world package inventories."""

from hub.demo.dataset import DemoCredentials, DemoSummary, build_demo

__all__ = ["DemoCredentials", "DemoSummary", "build_demo"]
