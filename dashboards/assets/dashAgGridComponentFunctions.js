// Grid cells that link to a hub page. The text is whatever a collector or an agency sent
// (a hostname may hold Markdown or HTML): React renders it as text, never as markup, and
// the link goes only where the hub built it (`href` in the row, a path under /ui/).
var dagcomponentfuncs = (window.dashAgGridComponentFunctions =
  window.dashAgGridComponentFunctions || {});

// The row's field holding the path is `hrefField` in the column's cellRendererParams
// ("href" when not given).
dagcomponentfuncs.HubLink = function (props) {
  var field = (props.hrefField || "href");
  var href = props.data && props.data[field];
  if (typeof href !== "string" || href.indexOf("/ui/") !== 0) {
    return React.createElement("span", null, String(props.value == null ? "" : props.value));
  }
  return React.createElement("a", { href: href }, String(props.value == null ? "" : props.value));
};
