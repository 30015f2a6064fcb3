"""layout.svg: one picture of the whole system, what a user would otherwise
draw by hand from layout.txt. Three parts, top to bottom:

- the physical CPUs: which vCPU of which partition each runs, and for a
  CPU shared by a schedule its windows over one major frame, to scale;
- the physical memory map: each RAM bank to scale with what lives in it
  (hypervisor, each partition's RAM and images, shared memory, pristine
  copies), then every range as a row, devices included;
- the interrupts and devices each partition owns.

Each partition has one colour throughout. The elements carry what they
show as data-* attributes (CPU, vCPU, window times, host address and size,
interrupts), so a test can check the picture against the tables.
"""

from xml.sax.saxutils import escape, quoteattr

WIDTH = 1000
LEFT = 190                  # labels left of the bars
BAR = WIDTH - LEFT - 20     # bar width
ROW = 30
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#86bcb6"]
HYP_COLOUR, IDLE_COLOUR, OFF_COLOUR, SHARED_COLOUR, DEVICE_COLOUR = (
    "#555555", "#dddddd", "#f4f4f4", "#8c6bb1", "#bbbbbb")
LINE_CHARS = 120            # text wrapped at this many characters


def colour(vm_index):
    return PALETTE[vm_index % len(PALETTE)]


class Svg:
    def __init__(self):
        self.parts, self.y = [], 0

    def add(self, text):
        self.parts.append(text)

    def text(self, x, y, s, size=12, weight="normal", anchor="start", fill="#000", mono=False):
        family = ' font-family="monospace" xml:space="preserve"' if mono else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
                 f'text-anchor="{anchor}" fill="{fill}"{family}>{escape(s)}</text>')

    def rect(self, x, y, w, h, fill, cls="", title="", **data):
        attrs = "".join(f" data-{k.replace('_', '-')}={quoteattr(str(v))}" for k, v in data.items())
        cls_attr = f' class="{cls}"' if cls else ""
        tip = f"<title>{escape(title)}</title>" if title else ""
        self.add(f'<rect{cls_attr} x="{x:.2f}" y="{y:.1f}" width="{max(w, 0.5):.2f}" height="{h}" '
                 f'fill="{fill}" stroke="#333" stroke-width="0.5"{attrs}>{tip}</rect>')

    def heading(self, s):
        self.y += 34
        self.text(10, self.y, s, size=16, weight="bold")
        self.y += 12

    def lines(self, x, s, size=12):
        """s wrapped at LINE_CHARS, one text line each; advances y."""
        words, line = s.split(" "), ""
        for w in words:
            if line and len(line) + 1 + len(w) > LINE_CHARS:
                self.y += size + 4
                self.text(x, self.y, line, size)
                line = w
            else:
                line = f"{line} {w}" if line else w
        self.y += size + 4
        self.text(x, self.y, line, size)

    def render(self):
        height = self.y + 20
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
                f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">\n'
                f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#fff"/>\n'
                + "\n".join(self.parts) + "\n</svg>\n")


def _cpus(svg, system, pcpus, schedules, vm_of_vcpu):
    svg.heading("Physical CPUs" + (" (shared ones: one major frame, to scale)" if schedules else ""))
    shared = {s.cpu: s for s in schedules}
    for p, cpu in enumerate(pcpus):
        y = svg.y + 6
        svg.text(10, y + 17, f"pcpu {p} ({cpu.hw_id:#x})", size=13)
        s = shared.get(p)
        if s is not None:
            svg.add(f'<g class="pcpu" data-pcpu="{p}" data-shared="1" data-frame-us="{s.frame_us}">')
            for a, b, v, label in s.slots:
                x, w = LEFT + BAR * a / s.frame_us, BAR * (b - a) / s.frame_us
                vm, index = vm_of_vcpu.get(v, (None, None))
                fill = IDLE_COLOUR if vm is None else colour(system.vms.index(vm))
                svg.rect(x, y, w, 24, fill, "window", f"{a}-{b} us: {label}", pcpu=p, start_us=a, end_us=b,
                         vm=vm.name if vm else "", vcpu="" if vm is None else index)
                short = label.replace("vm ", "").replace(" vcpu ", ".")
                if w > 7 * len(short):
                    svg.text(x + w / 2, y + 16, short, size=11, anchor="middle",
                             fill="#000" if vm is None else "#fff")
            svg.add("</g>")
            svg.text(LEFT, y + 36, "0", size=10)
            svg.text(LEFT + BAR, y + 36, f"{s.frame_us} us", size=10, anchor="end")
            svg.y += ROW + 12
            continue
        svg.add(f'<g class="pcpu" data-pcpu="{p}" data-shared="0">')
        if cpu.vcpu < 0:
            svg.rect(LEFT, y, BAR, 24, OFF_COLOUR, "owner", "unused, stays off", pcpu=p, vm="", vcpu="")
            svg.text(LEFT + BAR / 2, y + 16, "unused, stays off", size=11, anchor="middle", fill="#777")
        else:
            vm, index = vm_of_vcpu[cpu.vcpu]
            svg.rect(LEFT, y, BAR, 24, colour(system.vms.index(vm)), "owner", cpu.owner, pcpu=p, vm=vm.name,
                     vcpu=index)
            svg.text(LEFT + BAR / 2, y + 16, f"vm {vm.name} vcpu {index}", size=11, anchor="middle", fill="#fff")
        svg.add("</g>")
        svg.y += ROW


def memory_items(system, hyp):
    """Everything with a host-physical place: [(hpa, size, kind, vm index
    or None, label)], by address."""
    items = [(hyp.base, hyp.size, "hypervisor", None, "hypervisor (text, rodata, page tables, data, stacks)")]
    for base, size, what in system.board.reserved:
        items.append((base, size, "reserved", None, f"reserved: {what}"))
    for i, vm in enumerate(system.vms):
        for r in vm.regions:
            items.append((r.hpa, r.size, "ram", i, f"{vm.name} RAM, guest {r.gpa:#x}"))
        for img in (vm.kernel, vm.ramdisk, vm.dtb):
            if img is not None:
                items.append((img.hpa, img.size, "image", i, f"{vm.name} {img.what} image"))
        for img, hpa in vm.copies:
            items.append((hpa, img.size, "copy", i, f"{vm.name} {img.what}: pristine copy for restarts"))
        for gpa, hpa, size, note in vm.device_maps:
            items.append((hpa, size, "device", i, f"{vm.name}: {note.split(': ', 1)[-1]}"))
        for p in vm.forwarded:
            items.append((p.hpa, p.size, "device", i, f"{vm.name}: {p.name} (forwarded)"))
    for ch in system.channels:
        ends = ", ".join(e.vm_name for e in ch.ends)
        items.append((ch.hpa, ch.size, "channel", None, f"channel {ch.name}: shared by {ends}"))
    return sorted(items, key=lambda t: (t[0], -t[1]))


def _memory(svg, system, hyp):
    svg.heading("Physical memory (host addresses)")
    items = memory_items(system, hyp)
    fills = {"hypervisor": HYP_COLOUR, "reserved": OFF_COLOUR, "channel": SHARED_COLOUR, "device": DEVICE_COLOUR}
    for base, size in system.board.ram:
        y = svg.y + 6
        svg.text(10, y + 17, f"RAM {base:#x}", size=13)
        svg.rect(LEFT, y, BAR, 24, "#fafafa", "ram-bank", f"RAM {base:#x}-{base + size:#x}",
                 hpa=f"{base:#x}", size=f"{size:#x}")
        for hpa, sz, kind, vm, label in items:
            if kind in ("device",) or not (base <= hpa < base + size):
                continue
            x, w = LEFT + BAR * (hpa - base) / size, max(BAR * sz / size, 1.5)
            h, dy = (12, 6) if kind in ("image", "copy") else (24, 0)
            fill = fills.get(kind) or colour(vm)
            svg.rect(x, y + dy, w, h, fill, "", f"{label}: {hpa:#x}-{hpa + sz:#x}")
        svg.text(LEFT, y + 36, f"{base:#x}", size=10)
        svg.text(LEFT + BAR, y + 36, f"{base + size:#x}", size=10, anchor="end")
        svg.y += ROW + 16
    svg.y += 4
    for hpa, sz, kind, vm, label in items:
        svg.y += 16
        fill = fills.get(kind) or colour(vm)
        svg.rect(20, svg.y - 10, 12, 12, fill, "mem", label, kind=kind, owner="" if vm is None else
                 system.vms[vm].name, hpa=f"{hpa:#x}", size=f"{sz:#x}")
        indent = 18 if kind in ("image", "copy") else 0
        svg.text(40, svg.y, f"{hpa:#012x}-{hpa + sz:#012x} {_size(sz):>10} {' ' * (indent // 6)}{label}",
                 size=11, mono=True)


def _size(n):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            v = n / (1 << shift)
            return f"{v:g} {unit}" if v.is_integer() else f"{v:.1f} {unit}"
    return f"{n} B"


def _owned(svg, system):
    svg.heading("Interrupts and devices each partition owns")
    for i, vm in enumerate(system.vms):
        svg.y += 10
        irqs = [irq for irq, _ in vm.irqs]
        names = [f"{d.name} (emulated)" for d in vm.emu] + [f"{p.name} (passthrough)" for p in vm.passthrough]
        svg.add(f'<g class="owned" data-vm={quoteattr(vm.name)} data-irqs="{",".join(map(str, irqs))}" '
                f'data-devices={quoteattr(",".join(names))}>')
        svg.rect(20, svg.y, 12, 12, colour(i), "", vm.name)
        svg.text(40, svg.y + 11, f"{vm.name}: vCPUs {len(vm.vcpus)}, VMID {vm.vmid}", size=13, weight="bold")
        svg.y += 12
        what = []
        for irq, hw in vm.irqs:
            how = "from the device" if hw else ("channel doorbell" if irq in vm.doorbells else "emulated")
            what.append(f"{irq} ({how})")
        svg.lines(40, "interrupts: " + (", ".join(what) or "none besides its vCPUs' own timers and IPIs"), 11)
        svg.lines(40, "devices: " + (", ".join(names) or "none"), 11)
        chans = [f"{ch.name} ({end.access})" for ch, end in vm.channel_list]
        if chans:
            svg.lines(40, "channels: " + ", ".join(chans), 11)
        svg.add("</g>")


def layout_svg(system, hyp, pcpus, schedules, config_name):
    """The picture as SVG text; pcpus and schedules as emit builds them
    (vm.first_vcpu set)."""
    vm_of_vcpu = {vm.first_vcpu + v.index: (vm, v.index) for vm in system.vms for v in vm.vcpus}
    svg = Svg()
    svg.y = 24
    svg.text(10, svg.y, f"Tessera: {config_name} on board {system.board.name}", size=18, weight="bold")
    svg.y += 6
    legend = [(colour(i), vm.name) for i, vm in enumerate(system.vms)] + [
        (HYP_COLOUR, "hypervisor"), (SHARED_COLOUR, "shared memory"), (DEVICE_COLOUR, "devices"),
        (IDLE_COLOUR, "idle")]
    x = 10
    for fill, name in legend:
        if x + 30 + 7 * len(name) > WIDTH:
            x, svg.y = 10, svg.y + 18
        svg.rect(x, svg.y + 6, 12, 12, fill)
        svg.text(x + 16, svg.y + 16, name, size=11)
        x += 30 + 7 * len(name)
    svg.y += 18
    _cpus(svg, system, pcpus, schedules, vm_of_vcpu)
    _memory(svg, system, hyp)
    _owned(svg, system)
    return svg.render()
