-- tools/book-filter.lua: turns the socklab chapters into a book (pandoc >= 2.17 Lua filter).
--
-- tools/book.sh runs pandoc with this filter in one of three modes (metadata `book-mode`):
--   page    one HTML page for the part named by `book-part` (the input file is that part)
--   index   the HTML title page: the input file (book/index.md) plus the full contents
--   single  the whole book as one document, for EPUB and PDF (the input file is ignored)
-- Other metadata it reads, all written by book.sh into a metadata file:
--   book-parts     list of {id, src, kind = front|lesson|back, number}, in reading order
--   book-diagrams  list of {name, caption} for diagrams/*.dot
--   book-plots     list of the plots that exist (build/bench/*.png, *.svg)
--   book-png       folder holding the diagrams as PNG (single mode)
--
-- What it does to every part:
--   * the first level-1 heading is the chapter title ("Lesson 01 - " is dropped from it: the
--     number is shown by the book); later level-1 headings are demoted under it;
--   * lessons are numbered: the chapter by its lesson number, level-2 sections N.1, N.2 ...;
--   * `../../diagrams/NAME.svg` becomes the rendered diagram (SVG in HTML, PNG in EPUB/PDF); in the
--     middle of a sentence it becomes a link to the diagram in the list of diagrams;
--   * `../../build/bench/NAME.png` (or .svg) becomes the plot, or a note saying how to make it;
--   * links to another chapter (`../02-addresses/README.md#frag`) become links inside the book;
--     links to other files of the repository become plain text (with the path as a tooltip);
--   * an image alone in a paragraph becomes a numbered figure with its caption.
-- Problems (a link or image that goes nowhere) are reported on stderr as "book: warning: ...".

local stringify = pandoc.utils.stringify

local META = {}          -- strings from the metadata
local PARTS = {}         -- parts in reading order
local BY_ID, BY_PATH = {}, {}
local DIAGRAMS = {}      -- {name, caption}, as listed by book.sh
local DIAGRAM_SET = {}
local PLOTS = {}         -- existing plots, in order
local READER = "gfm"

local function warn(msg)
  io.stderr:write("book: warning: " .. msg .. "\n")
end

local function file_exists(p)
  local f = io.open(p, "rb")
  if f then f:close() return true end
  return false
end

local function read_file(p)
  local f = assert(io.open(p, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Normalize a slash-separated path: drop "." and empty parts, resolve "..".
local function normalize(p)
  local abs = p:sub(1, 1) == "/"
  local out = {}
  for seg in p:gmatch("[^/]+") do
    if seg == ".." then
      if #out > 0 and out[#out] ~= ".." then table.remove(out) elseif not abs then table.insert(out, "..") end
    elseif seg ~= "." then
      table.insert(out, seg)
    end
  end
  return (abs and "/" or "") .. table.concat(out, "/")
end

local function dirname(p)
  return p:match("^(.*)/[^/]*$") or "."
end

local function join(dir, rel)
  if rel:sub(1, 1) == "/" then return normalize(rel) end
  return normalize(dir .. "/" .. rel)
end

local function url_decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function html_escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

------------------------------------------------------------------------------------------------
-- Parts

local function load_meta(meta)
  for _, k in ipairs({ "book-mode", "book-part", "book-png", "book-reader" }) do
    if meta[k] ~= nil then META[k] = stringify(meta[k]) end
  end
  READER = META["book-reader"] or "gfm"
  for _, p in ipairs(meta["book-parts"] or {}) do
    local part = {
      id = stringify(p.id),
      src = normalize(stringify(p.src)),
      kind = stringify(p.kind),
      number = p.number and stringify(p.number) or "",
    }
    if part.number == "" then part.number = nil end
    table.insert(PARTS, part)
    BY_ID[part.id] = part
    BY_PATH[part.src] = part
    BY_PATH[dirname(part.src)] = part   -- lessons/02-addresses and lessons/02-addresses/ name it too
  end
  for i, part in ipairs(PARTS) do part.index = i end
  for _, d in ipairs(meta["book-diagrams"] or {}) do
    local name = stringify(d.name)
    table.insert(DIAGRAMS, { name = name, caption = stringify(d.caption), title = d.title and stringify(d.title) or "" })
    DIAGRAM_SET[name] = true
  end
  for _, p in ipairs(meta["book-plots"] or {}) do
    table.insert(PLOTS, stringify(p))
  end
end

local function page_href(part)
  return part.id .. ".html"
end

-- The anchor of a part in single mode, and of a heading inside it.
local function part_anchor(part)
  return "ch-" .. part.id
end

local function frag_anchor(part, frag)
  if frag == nil or frag == "" or frag == part.h1_orig_id then return part_anchor(part) end
  return part_anchor(part) .. "--" .. frag
end

-- Drop a leading "Lesson 01 -", "Lesson 1:", "01." from a title: the book prints the number.
local function strip_lesson_prefix(inlines)
  local i, n = 1, #inlines
  local function skip_space()
    while i <= n and (inlines[i].t == "Space" or inlines[i].t == "SoftBreak") do i = i + 1 end
  end
  local function str_at(k) return inlines[k] and inlines[k].t == "Str" and inlines[k].text or nil end
  local s = str_at(i)
  if s and s:match("^[Ll]esson$") then i = i + 1; skip_space() end
  s = str_at(i)
  if not (s and s:match("^%d+[:.]?$")) then return inlines end
  i = i + 1
  skip_space()
  s = str_at(i)
  if s == "—" or s == "–" or s == "-" or s == "--" or s == ":" or s == "·" or s == "|" then
    i = i + 1
    skip_space()
  end
  if i > n then return inlines end
  local out = pandoc.List()
  for k = i, n do out:insert(inlines[k]) end
  return out
end

local function title_from_id(id)
  local words = id:gsub("^%d+%-", ""):gsub("%-", " ")
  return words:sub(1, 1):upper() .. words:sub(2)
end

-- Read a part and shape its headings: one level-1 title first, the rest demoted below it,
-- numbers on lesson headings. Records part.title (inlines) and part.sections.
local function shape(part)
  if part.doc then return part.doc end
  local ok, doc = pcall(pandoc.read, read_file(part.src), READER)
  if not ok then error("book: cannot read " .. part.src .. ": " .. tostring(doc)) end
  local blocks = doc.blocks
  local title_idx
  for i, b in ipairs(blocks) do
    if b.t == "Header" and b.level == 1 then title_idx = i break end
  end
  local title
  if title_idx then
    title = table.remove(blocks, title_idx)
  else
    title = pandoc.Header(1, { pandoc.Str(title_from_id(part.id)) }, pandoc.Attr(part.id))
  end
  -- later level-1 headings: demote every heading one level so they sit inside the chapter
  local more_h1 = false
  for _, b in ipairs(blocks) do
    if b.t == "Header" and b.level == 1 then more_h1 = true end
  end
  if more_h1 then
    for _, b in ipairs(blocks) do
      if b.t == "Header" then b.level = math.min(b.level + 1, 6) end
    end
  end
  blocks:insert(1, title)
  if part.kind == "lesson" then title.content = strip_lesson_prefix(title.content) end
  part.title = title.content:clone()
  part.h1_orig_id = title.identifier
  -- numbers
  local sec = 0
  part.sections = {}
  for _, b in ipairs(blocks) do
    if b.t == "Header" and b.level == 2 then
      sec = sec + 1
      local num = part.number and (part.number .. "." .. sec) or nil
      table.insert(part.sections, { id = b.identifier, title = b.content:clone(), number = num })
      if num then
        b.content:insert(1, pandoc.Space())
        b.content:insert(1, pandoc.Span({ pandoc.Str(num) }, pandoc.Attr("", { "header-section-number" })))
      end
    end
  end
  if part.number then
    title.content:insert(1, pandoc.Space())
    title.content:insert(1, pandoc.Span({ pandoc.Str(part.number) }, pandoc.Attr("", { "header-section-number" })))
    title.attributes["data-lesson"] = part.number
  end
  -- which diagrams it shows (for the list of diagrams)
  part.diagrams = {}
  doc:walk({
    Image = function(img)
      local name = img.src:match("diagrams/([%w_.-]+)%.%w+$") or img.src:match("book/figures/([%w_.-]+)%.svg$")
      if name then part.diagrams[name] = true end
    end,
  })
  doc.blocks = blocks
  part.doc = doc
  return doc
end

------------------------------------------------------------------------------------------------
-- Links and images

local MODE -- "page" | "index" | "single"

-- Where a link in `part` to `target` goes in the book: returns a new target, or nil and the
-- repository path (nil too when it goes nowhere).
local function resolve_link(part, target)
  if target:match("^%a[%w+.-]*:") then return target end -- http:, https:, mailto:
  local p, frag = target:match("^([^#]*)#(.*)$")
  if not p then p = target end
  if p == "" then -- same part
    if MODE == "single" then return "#" .. frag_anchor(part, frag) end
    return "#" .. frag
  end
  local full = join(dirname(part.src), url_decode(p))
  local to = BY_PATH[full] or BY_PATH[full:gsub("/$", "")]
  if to then
    if MODE == "single" then return "#" .. frag_anchor(to, frag) end
    return page_href(to) .. (frag and frag ~= "" and ("#" .. frag) or "")
  end
  if file_exists(full) then return nil, full end
  return nil, nil, full
end

local function plot_exists(path)
  for _, p in ipairs(PLOTS) do if p == path then return true end end
  return false
end

-- What an image source becomes: {src=..., href=..., kind=diagram|plot|image} or {missing_plot=path}.
local function diagram_name(src)
  return src:match("diagrams/([%w_.-]+)%.%w+$") or src:match("book/figures/([%w_.-]+)%.svg$")
end

local function resolve_image(part, src)
  if src:match("^%a[%w+.-]*:") then return { src = src, kind = "image" } end
  local name = diagram_name(src)
  if name then
    if not DIAGRAM_SET[name] then
      warn(part.src .. ": diagram '" .. name .. "' has no diagrams/" .. name .. ".dot")
    end
    if MODE == "single" then return { src = META["book-png"] .. "/" .. name .. ".png", kind = "diagram", name = name } end
    return { src = "diagrams/" .. name .. ".svg", href = "diagrams/" .. name .. ".svg", kind = "diagram", name = name }
  end
  local plot = src:match("build/bench/([%w_.-]+)$")
  if plot then
    local repo_path = "build/bench/" .. plot
    if not plot_exists(repo_path) then return { missing_plot = repo_path } end
    if MODE == "single" then return { src = repo_path, kind = "plot" } end
    return { src = "bench/" .. plot, href = "bench/" .. plot, kind = "plot" }
  end
  local full = join(dirname(part.src), url_decode(src))
  if not file_exists(full) then warn(part.src .. ": image " .. src .. " not found") end
  if MODE == "single" then return { src = full, kind = "image" } end
  -- book.sh copies a lesson's own images to media/<id>/
  local rel = full:match("^" .. dirname(part.src):gsub("%p", "%%%0") .. "/(.*)$") or full:match("[^/]+$")
  return { src = "media/" .. part.id .. "/" .. rel, kind = "image" }
end

local function missing_plot_note(path)
  return pandoc.Div({ pandoc.Para({
    pandoc.Strong({ pandoc.Str("Plot not made yet:") }), pandoc.Space(),
    pandoc.Str("run"), pandoc.Space(), pandoc.Code("make bench"), pandoc.Space(),
    pandoc.Str("to"), pandoc.Space(), pandoc.Str("make"), pandoc.Space(), pandoc.Str("this"), pandoc.Space(),
    pandoc.Str("plot"), pandoc.Space(), pandoc.Str("("), pandoc.Code(path), pandoc.Str("),"), pandoc.Space(),
    pandoc.Str("then"), pandoc.Space(), pandoc.Code("make book"), pandoc.Str("."),
  }) }, pandoc.Attr("", { "note", "plot-missing" }))
end

-- A figure: raw HTML in pages (the picture links to itself so a phone can zoom it),
-- pandoc's implicit figure in the single document.
-- The width a diagram is drawn at, in CSS pixels (from the committed SVG's width in points), so
-- that a phone can show it no smaller than a legible fraction of that (book.css, --w).
local function diagram_width(name)
  if not name then return nil end
  local f = io.open("book/figures/" .. name .. ".svg", "rb")
  if not f then return nil end
  local head = f:read(2048) or ""
  f:close()
  local pt = head:match('<svg width="([%d.]+)pt"')
  return pt and math.floor(tonumber(pt) * 4 / 3 + 0.5) or nil
end

local function figure(id, src, href, caption, alt, name)
  if MODE == "single" then
    return pandoc.Para({ pandoc.Image(caption, src, "fig:", pandoc.Attr(id or "", {}, { { "book-done", "1" } })) })
  end
  local cap = pandoc.write(pandoc.Pandoc({ pandoc.Plain(caption) }), "html"):gsub("%s+$", "")
  local w = diagram_width(name)
  local img = string.format('<img src="%s" alt="%s"%s />', html_escape(src), html_escape(alt),
    w and string.format(' class="diagram" style="--w: %dpx"', w) or "")
  if href then img = string.format('<a href="%s">%s</a>', html_escape(href), img) end
  return pandoc.RawBlock("html", string.format('<figure%s>\n%s\n<figcaption>%s</figcaption>\n</figure>',
    id and (' id="' .. html_escape(id) .. '"') or "", img, cap))
end

local function figure_caption(part, state, inlines)
  state.figures = state.figures + 1
  local cap = inlines:clone()
  if part.number then
    cap:insert(1, pandoc.Space())
    cap:insert(1, pandoc.Span({ pandoc.Str("Figure " .. part.number .. "." .. state.figures .. ":") },
      pandoc.Attr("", { "figure-number" })))
  end
  return cap
end

local function id_for(part, id)
  if id == nil or id == "" then return nil end
  if MODE == "single" then return frag_anchor(part, id) end
  return id
end

-- The list of all diagrams (book/diagrams.md holds the marker <!-- book:diagrams -->).
local function diagram_list(part, state)
  local out = pandoc.List()
  for _, d in ipairs(DIAGRAMS) do
    local function inlines(text)
      local blocks = pandoc.read(text, "gfm").blocks
      return (blocks[1] and blocks[1].content) or pandoc.List({ pandoc.Str(d.name) })
    end
    local cap = inlines(d.caption ~= "" and d.caption or d.name)
    local title = inlines(d.title ~= "" and d.title or (d.caption ~= "" and d.caption or d.name))
    local id = "diagram-" .. d.name
    local res = resolve_image(part, "diagrams/" .. d.name .. ".svg")
    local users = pandoc.List()
    for _, p in ipairs(PARTS) do
      shape(p)
      if p.diagrams[d.name] and p.kind == "lesson" then
        if #users > 0 then users:insert(pandoc.Str(",")) users:insert(pandoc.Space()) end
        local label = pandoc.List({ pandoc.Str("Lesson " .. p.id:match("^(%d+)")) })
        local target = MODE == "single" and ("#" .. part_anchor(p)) or page_href(p)
        users:insert(pandoc.Link(label, target, "", pandoc.Attr("", {}, { { "book-done", "1" } })))
      end
    end
    out:insert(pandoc.Header(2, title, pandoc.Attr(id)))   -- finish() prefixes it in single mode
    out:insert(figure(nil, res.src, res.href, cap, stringify(cap), res.name))
    local line = pandoc.List({ pandoc.Str("Source:"), pandoc.Space(), pandoc.Code("diagrams/" .. d.name .. ".dot") })
    if #users > 0 then
      line:insert(pandoc.Str("."))
      line:insert(pandoc.Space())
      line:insert(pandoc.Str("Explained"))
      line:insert(pandoc.Space())
      line:insert(pandoc.Str("in"))
      line:insert(pandoc.Space())
      line:extend(users)
    end
    line:insert(pandoc.Str("."))
    out:insert(pandoc.Div({ pandoc.Para(line) }, pandoc.Attr("", { "figure-source" })))
  end
  return out
end

-- The plots that exist (book/measurements.md holds the marker <!-- book:plots -->).
local function plot_list(part, state)
  local out = pandoc.List()
  if #PLOTS == 0 then
    out:insert(pandoc.Div({ pandoc.Para({
      pandoc.Strong({ pandoc.Str("No plots yet.") }), pandoc.Space(),
      pandoc.Str("Run"), pandoc.Space(), pandoc.Code("make bench"), pandoc.Str(","), pandoc.Space(),
      pandoc.Str("then"), pandoc.Space(), pandoc.Code("make book"), pandoc.Str(":"), pandoc.Space(),
      pandoc.Str("every"), pandoc.Space(), pandoc.Str("plot"), pandoc.Space(), pandoc.Str("in"), pandoc.Space(),
      pandoc.Code("build/bench/"), pandoc.Space(), pandoc.Str("appears"), pandoc.Space(), pandoc.Str("here."),
    }) }, pandoc.Attr("", { "note", "plot-missing" })))
    return out
  end
  for _, p in ipairs(PLOTS) do
    local res = resolve_image(part, p)
    local name = p:match("([^/]+)%.png$") or p
    local cap = pandoc.List({ pandoc.Code(p) })
    out:insert(figure(id_for(part, "plot-" .. name), res.src, res.href, cap, name))
  end
  return out
end

-- Rewrite the links, images and figures of one shaped part; returns its blocks.
local function finish(part)
  local doc = shape(part)
  local state = { figures = 0 }
  local blocks = doc.blocks:clone()

  local function image_block(img, written)
    local res = resolve_image(part, img.src)
    if res.missing_plot then return missing_plot_note(res.missing_plot) end
    local cap = figure_caption(part, state, written or img.caption)
    local id = img.identifier ~= "" and img.identifier or (res.name and ("fig-" .. res.name)) or nil
    return figure(id_for(part, id), res.src, res.href, cap, stringify(img.caption), res.name)
  end

  local filter = {
    Para = function(para)
      -- an image alone in its paragraph (maybe inside a link) is a figure
      local c = para.content
      if #c == 1 and c[1].t == "Image" and c[1].attributes["book-done"] then return nil end
      if #c == 1 and c[1].t == "Image" then return image_block(c[1]) end
      if #c == 1 and c[1].t == "Link" and #c[1].content == 1 and c[1].content[1].t == "Image" then
        return image_block(c[1].content[1])
      end
    end,
    RawBlock = function(raw)
      if raw.format == "html" and raw.text:match("<!%-%-%s*book:diagrams%s*%-%->") then
        return diagram_list(part, state)
      end
      if raw.format == "html" and raw.text:match("<!%-%-%s*book:plots%s*%-%->") then
        return plot_list(part, state)
      end
    end,
  }
  -- A figure whose caption the chapter writes itself, so that GitHub shows it too: the image
  -- paragraph, then a paragraph that is all emphasis and starts "Figure N.K:". The number must be
  -- the figure's place in the chapter (the book prints it again, in its own style).
  local function lone_image(b)
    if b == nil or b.t ~= "Para" then return nil end
    local c = b.content
    if #c == 1 and c[1].t == "Image" then return c[1] end
    if #c == 1 and c[1].t == "Link" and #c[1].content == 1 and c[1].content[1].t == "Image" then
      return c[1].content[1]
    end
  end
  local function written_caption(b)
    if b == nil or b.t ~= "Para" or #b.content ~= 1 or b.content[1].t ~= "Emph" then return nil end
    local em = b.content[1].content
    local num = em[1] and em[2] and em[1].t == "Str" and em[1].text == "Figure" and em[2].t == "Space"
      and em[3] and em[3].t == "Str" and em[3].text:match("^(%d+%.%d+):$")
    if not num then return nil end
    local cap = pandoc.List()
    for k = 4, #em do cap:insert(em[k]) end
    while cap[1] and cap[1].t == "Space" do cap:remove(1) end
    return cap, num
  end
  local merged = pandoc.List()
  local i = 1
  while i <= #blocks do
    local img = lone_image(blocks[i])
    local cap, num = written_caption(blocks[i + 1])
    if img and cap then
      local expect = part.number and (part.number .. "." .. (state.figures + 1)) or nil
      if expect and num ~= expect then
        warn(part.src .. ": figure number " .. num .. " should be " .. expect .. " (figures are numbered in order)")
      end
      merged:insert(image_block(img, cap))
      i = i + 2
    else
      merged:insert(blocks[i])
      i = i + 1
    end
  end
  blocks = merged
  blocks = pandoc.walk_block(pandoc.Div(blocks), filter).content

  local inline_filter = {
    Image = function(img)
      if img.attributes["book-done"] then
        img.attributes["book-done"] = nil
        return img
      end
      local res = resolve_image(part, img.src)
      if res.missing_plot then
        return pandoc.Emph({ pandoc.Str("(plot not made yet: run "), pandoc.Code("make bench"), pandoc.Str(")") })
      end
      if res.kind == "diagram" and BY_ID["diagrams"] then
        -- a diagram in the middle of a sentence: a link to it in the list of diagrams
        local anchor = "diagram-" .. res.name
        local target = MODE == "single" and ("#" .. frag_anchor(BY_ID["diagrams"], anchor))
          or (page_href(BY_ID["diagrams"]) .. "#" .. anchor)
        return pandoc.Link(img.caption, target, stringify(img.caption))
      end
      img.src = res.src
      return img
    end,
    Link = function(link)
      if link.attributes["book-done"] then
        link.attributes["book-done"] = nil
        return link
      end
      local to, repo_path, nowhere = resolve_link(part, link.target)
      if to then
        link.target = to
        return link
      end
      if nowhere then
        warn(part.src .. ": link to " .. link.target .. " goes nowhere (" .. nowhere .. "); shown as text")
      end
      return pandoc.Span(link.content, pandoc.Attr("", { "repo-path" },
        { { "title", repo_path and ("in the repository: " .. repo_path) or "not in this book yet" } }))
    end,
    Span = function(span)
      if MODE == "single" and span.identifier ~= "" then span.identifier = frag_anchor(part, span.identifier) end
      return span
    end,
  }
  local block_ids = {
    Header = function(h)
      if MODE == "single" then
        if h.level == 1 and h.identifier == part.h1_orig_id then
          h.identifier = part_anchor(part)
        elseif h.identifier ~= "" then
          h.identifier = frag_anchor(part, h.identifier)
        end
      end
      return h
    end,
    Div = function(d)
      if MODE == "single" and d.identifier ~= "" then d.identifier = frag_anchor(part, d.identifier) end
      return d
    end,
    CodeBlock = function(cb)
      if MODE == "single" and cb.identifier ~= "" then cb.identifier = frag_anchor(part, cb.identifier) end
      return cb
    end,
  }
  local wrapper = pandoc.Div(blocks)
  wrapper = pandoc.walk_block(wrapper, inline_filter)
  wrapper = pandoc.walk_block(wrapper, block_ids)
  return wrapper.content
end

------------------------------------------------------------------------------------------------
-- Navigation (page and index modes): the template reads these variables.

local function nav_entry(part, current)
  local label = part.number or ""
  return pandoc.MetaMap({
    href = pandoc.MetaString(page_href(part)),
    title = pandoc.MetaInlines(part.title),
    number = pandoc.MetaString(label),
    current = pandoc.MetaBool(current),
    lesson = pandoc.MetaBool(part.kind == "lesson"),
  })
end

local function set_nav(meta, current)
  local list = pandoc.List()
  for _, p in ipairs(PARTS) do
    shape(p)
    list:insert(nav_entry(p, p == current))
  end
  meta["book-nav"] = pandoc.MetaList(list)
end

-- The full contents for the title page.
local function contents_blocks()
  local items = pandoc.List()
  for _, p in ipairs(PARTS) do
    shape(p)
    local head = pandoc.List()
    if p.number then
      head:insert(pandoc.Span({ pandoc.Str(p.number) }, pandoc.Attr("", { "toc-number" })))
      head:insert(pandoc.Space())
    end
    head:extend(p.title)
    local item = pandoc.List({ pandoc.Plain({ pandoc.Link(head, page_href(p)) }) })
    if p.kind == "lesson" and #p.sections > 0 then
      local subs = pandoc.List()
      for _, s in ipairs(p.sections) do
        local t = pandoc.List()
        if s.number then
          t:insert(pandoc.Span({ pandoc.Str(s.number) }, pandoc.Attr("", { "toc-number" })))
          t:insert(pandoc.Space())
        end
        t:extend(s.title)
        subs:insert({ pandoc.Plain({ pandoc.Link(t, page_href(p) .. "#" .. s.id) }) })
      end
      item:insert(pandoc.BulletList(subs))
    end
    items:insert(item)
  end
  return pandoc.Div({ pandoc.Header(2, { pandoc.Str("Contents") }, pandoc.Attr("contents")), pandoc.BulletList(items) },
    pandoc.Attr("", { "book-contents" }))
end

------------------------------------------------------------------------------------------------

function Pandoc(doc)
  load_meta(doc.meta)
  MODE = META["book-mode"] or "page"
  local meta = doc.meta
  -- the metadata only book.sh and this filter need stays out of the output
  for _, k in ipairs({ "book-parts", "book-diagrams", "book-plots" }) do meta[k] = nil end

  if MODE == "single" then
    local blocks = pandoc.List()
    for _, p in ipairs(PARTS) do shape(p) end
    for _, p in ipairs(PARTS) do
      local b = finish(p)
      if p.kind ~= "lesson" then b[1].classes:insert("unnumbered") end
      blocks:extend(b)
    end
    return pandoc.Pandoc(blocks, meta)
  end

  if MODE == "index" then
    set_nav(meta, nil)
    local part = { id = "index", src = PANDOC_STATE.input_files[1] or "book/index.md", kind = "front" }
    part.doc = doc
    part.h1_orig_id = ""
    part.diagrams = {}
    part.sections = {}
    local blocks = finish(part)
    blocks:insert(contents_blocks())
    meta["book-index"] = pandoc.MetaBool(true)
    if PARTS[1] then
      meta["next-href"] = pandoc.MetaString(page_href(PARTS[1]))
      meta["next-title"] = pandoc.MetaInlines(PARTS[1].title)
    end
    return pandoc.Pandoc(blocks, meta)
  end

  -- page mode
  local part = BY_ID[META["book-part"] or ""]
  if not part then error("book: book-part '" .. tostring(META["book-part"]) .. "' is not in book-parts") end
  for _, p in ipairs(PARTS) do shape(p) end
  local blocks = finish(part)
  -- the title goes to the template (above the page's contents); the number is in the label
  local h1 = table.remove(blocks, 1)
  local title = pandoc.List()
  for _, il in ipairs(h1.content) do
    if not (il.t == "Span" and il.classes:includes("header-section-number")) then title:insert(il) end
  end
  while title[1] and title[1].t == "Space" do title:remove(1) end
  meta["chapter-title"] = pandoc.MetaInlines(title)
  meta["chapter-id"] = pandoc.MetaString(h1.identifier)
  set_nav(meta, part)
  meta.pagetitle = pandoc.MetaString(stringify(part.title))
  if part.kind == "lesson" then
    meta["lesson-label"] = pandoc.MetaString("Lesson " .. part.id:match("^(%d+)"))
    meta["lesson-grade"] = pandoc.MetaString("make grade L=" .. part.id:match("^(%d+)"))
    meta["lesson-dir"] = pandoc.MetaString("lessons/" .. part.id .. "/")
  end
  local prev, nxt = PARTS[part.index - 1], PARTS[part.index + 1]
  if prev then
    meta["prev-href"] = pandoc.MetaString(page_href(prev))
    meta["prev-title"] = pandoc.MetaInlines(prev.title)
  else
    meta["prev-href"] = pandoc.MetaString("index.html")
    meta["prev-title"] = pandoc.MetaInlines({ pandoc.Str("Contents") })
  end
  if nxt then
    meta["next-href"] = pandoc.MetaString(page_href(nxt))
    meta["next-title"] = pandoc.MetaInlines(nxt.title)
  end
  return pandoc.Pandoc(blocks, meta)
end
