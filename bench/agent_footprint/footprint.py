#!/usr/bin/env python3
"""The edge agent's footprint beside collectd, both doing the same polling in the same run.

Workload (issue 4): 14 SNMP items + sysUpTime from 10 boxes and 4 sensors read from sysfs,
every second, delivered through MQTT, for FOOTPRINT_SECONDS (default 300).

  peers       10 real snmpd (Debian's /usr/sbin/snmpd, one per "box", udp:127.0.0.1:<free>),
              one mosquitto on a free loopback port, a fake sysfs tree in a temporary folder:
              2 IIO dht11 (temperature + humidity), 1 1-Wire DS18B20, 1 hwmon ina219 (power)
  coolflow    `coolflow agent`: one `snmp` input (10 targets, 1 s), one `sysfs` input (the 4
              sensors, 1 s), MQTT delivery (QoS 1) through its disk spool, metrics on a free
              loopback port (scraped once, after the measurement)
  collectd    Debian's collectd-core, Interval 1: the `snmp` plugin GETs the same 15 numeric
              OIDs from the same 10 snmpd (one GET per box per second, as the agent does:
              one Data block with a 15-value type from a types.db of our own; the two table
              indexes, dskPercent.<disk /> and ifHC*Octets.<lo>, resolved once beforehand,
              where the agent discovers them itself); the `table` plugin reads the same 6
              sysfs value files each second (collectd's `sensors` plugin goes through
              libsensors and cannot be pointed at a fake tree; `exec` would fork a process per
              read; `table` opens and reads the files as the agent does, though it does not
              convert m°C/µW to °C/W); the `mqtt` plugin publishes (QoS 1) to the same broker,
              counters as rates (its StoreRates default), as the agent derives its rates;
              net-snmp loads no MIB files and no snmp.conf in either (the agent turns them off
              itself, collectd gets it from its environment)
  measured    at the end, before either is stopped: /proc/<pid>/status VmHWM (peak RSS) and
              VmRSS, /proc/<pid>/smaps_rollup Pss, /proc/<pid>/stat utime+stime+cutime+cstime
              (CPU seconds over the process's life, start-up included); VmRSS is sampled every
              few seconds to show growth
  verified    a mosquitto_sub subscriber counts what each delivered in the measured window:
              readings (NDJSON lines) and the SNMP boxes seen on coolflow/resource for the
              agent; values and the SNMP hosts seen for collectd; the agent's /metrics gives
              its poll errors and overruns

Usage: footprint.py [COOLFLOW_BINARY]   (default build/release/apps/coolflow)
Environment: FOOTPRINT_SECONDS (default 300), FOOTPRINT_KEEP=1 keeps the temporary folder.
Reports only: the exit status is non-zero when the run could not be made (a peer missing or
not starting, a process dying), never because a target is missed.
"""

import collections
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BOXES = 10
SNMP_COMMUNITY_BYTES = 8
DEFAULT_SECONDS = 300
# How long a peer may take to answer after it is started, and both measured processes to
# deliver their first values.
STARTUP_TIMEOUT_S = 20.0
FIRST_DATA_TIMEOUT_S = 30.0
SAMPLE_EVERY_S = 5.0
STOP_TIMEOUT_S = 10.0
PROBE_TOPIC = "bench/probe"

# Targets from the issue.
RSS_TARGET_MB = 8.0

# The OIDs the coolflow SNMP input asks for (src/agent/inputs/snmp/snmp_items.h), in its
# order; the two table items get their row index appended.
SNMP_ITEMS = [
    ("uptime", "1.3.6.1.2.1.1.3.0", "GAUGE"),
    ("cpu_user", "1.3.6.1.4.1.2021.11.50.0", "DERIVE"),
    ("cpu_system", "1.3.6.1.4.1.2021.11.52.0", "DERIVE"),
    ("cpu_idle", "1.3.6.1.4.1.2021.11.53.0", "DERIVE"),
    ("load1", "1.3.6.1.4.1.2021.10.1.5.1", "GAUGE"),
    ("load5", "1.3.6.1.4.1.2021.10.1.5.2", "GAUGE"),
    ("load15", "1.3.6.1.4.1.2021.10.1.5.3", "GAUGE"),
    ("mem_total", "1.3.6.1.4.1.2021.4.5.0", "GAUGE"),
    ("mem_avail", "1.3.6.1.4.1.2021.4.6.0", "GAUGE"),
    ("mem_buffers", "1.3.6.1.4.1.2021.4.14.0", "GAUGE"),
    ("mem_cached", "1.3.6.1.4.1.2021.4.15.0", "GAUGE"),
    ("swap_avail", "1.3.6.1.4.1.2021.4.4.0", "GAUGE"),
    ("disk_pct", "1.3.6.1.4.1.2021.9.1.9", "GAUGE"),  # dskPercent.<index of disk_path>
    ("net_in", "1.3.6.1.2.1.31.1.1.1.6", "DERIVE"),  # ifHCInOctets.<ifIndex>
    ("net_out", "1.3.6.1.2.1.31.1.1.1.10", "DERIVE"),  # ifHCOutOctets.<ifIndex>
]
DSK_PATH_COLUMN = "1.3.6.1.4.1.2021.9.1.2"
IF_NAME_COLUMN = "1.3.6.1.2.1.31.1.1.1.1"
INTERFACE = "lo"
DISK_PATH = "/"
SYS_UPTIME = ".1.3.6.1.2.1.1.3.0"

# The fake sensors: (agent name, kind, device directory, {file: content}).
IIO_DIR = "bus/iio/devices"
W1_DIR = "bus/w1/devices"
HWMON_DIR = "class/hwmon"
SENSORS = [
    ("rack1-top", "iio", f"{IIO_DIR}/iio:device0",
     {"name": "dht11@4\n", "in_temp_input": "23100\n", "in_humidityrelative_input": "41500\n"}),
    ("rack2-top", "iio", f"{IIO_DIR}/iio:device1",
     {"name": "dht11@17\n", "in_temp_input": "24300\n", "in_humidityrelative_input": "39800\n"}),
    ("rack1-inlet", "w1", f"{W1_DIR}/28-0000071c6b2f", {"temperature": "22125\n"}),
    ("ups", "hwmon", f"{HWMON_DIR}/hwmon0", {"name": "ina219\n", "power1_input": "412500000\n"}),
]
SENSOR_VALUE_FILES = [(name, f"{device}/{f}") for name, _, device, files in SENSORS
                      for f in files if f != "name"]

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# Children get SIGKILL when the driver dies, however it dies: util-linux's setpriv sets the
# parent-death signal and execs the program in place (same pid, so /proc/<pid> is the
# program's). Not preexec_fn: the subscriber's reader thread runs while processes start.
SETPRIV = shutil.which("setpriv")


def log(text):
    print(f"footprint: {text}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


def find_program(path_or_name, package):
    found = path_or_name if os.path.isabs(path_or_name) else shutil.which(path_or_name)
    if not found or not os.access(found, os.X_OK):
        raise BenchError(f"{path_or_name} not found (Debian package {package})")
    return found


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def wait_until(what, check, timeout, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise BenchError(f"{what}: exited ({process.returncode}) while starting")
        if check():
            return
        time.sleep(0.1)
    raise BenchError(f"{what}: not ready within {timeout:.0f} s")


class Processes:
    """Every process the run starts; stopped (TERM, then KILL) in reverse order on exit."""

    def __init__(self):
        self.started = []  # (name, Popen)

    def spawn(self, name, argv, log_path, env=None, cwd=None, stdout=None):
        log_file = open(log_path, "ab")
        try:
            wrapped = [SETPRIV, "--pdeathsig", "KILL", "--"] + argv if SETPRIV else argv
            process = subprocess.Popen(wrapped, stdin=subprocess.DEVNULL,
                                       stdout=stdout if stdout is not None else log_file,
                                       stderr=log_file, env=env, cwd=cwd)
        finally:
            log_file.close()
        self.started.append((name, process))
        return process

    def stop(self, process, timeout=STOP_TIMEOUT_S):
        if process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self):
        for _, process in reversed(self.started):
            self.stop(process)


# ---------------------------------------------------------------------------------------
# /proc

def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem", "Threads"):
                fields[key] = int(value.split()[0])
    return fields


def proc_pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def thread_cpu(pid):
    """[(CPU seconds, thread name)] of the live threads in creation (tid) order, from
    schedstat (nanoseconds)."""
    threads = []
    for tid in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm", encoding="utf-8") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/schedstat", encoding="ascii") as f:
                threads.append((int(f.read().split()[0]) / 1e9, name))
        except OSError:
            continue
    return threads


def proc_cpu(pid):
    """(CPU seconds incl. waited-for children, seconds since the process started, user
    seconds, system seconds)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
    # Fields 14-17 (utime stime cutime cstime) and 22 (starttime) of proc(5), 1-based.
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    start_ticks = int(fields[19])
    with open("/proc/uptime", encoding="ascii") as f:
        uptime = float(f.read().split()[0])
    return ((utime + stime + cutime + cstime) / CLOCK_TICKS, uptime - start_ticks / CLOCK_TICKS,
            (utime + cutime) / CLOCK_TICKS, (stime + cstime) / CLOCK_TICKS)


# ---------------------------------------------------------------------------------------
# Peers

def start_snmpds(procs, snmpd, snmpget, root, community):
    """BOXES snmpd on free UDP ports; returns their addresses "127.0.0.1:port"."""
    addresses = []
    for i in range(BOXES):
        folder = os.path.join(root, "snmpd", f"box{i + 1:02}")
        persist = os.path.join(folder, "persist")
        os.makedirs(persist)
        conf = os.path.join(folder, "snmpd.conf")
        write(conf, "# coolflow agent footprint bench\n"
                    "view bench included .1\n"
                    f"rocommunity {community} 127.0.0.1 -V bench\n"
                    f"disk {DISK_PATH}\n", 0o600)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SNMP") and k not in ("MIBS", "MIBDIRS")}
        env.update(SNMP_PERSISTENT_DIR=persist, SNMPCONFPATH=persist, MIBS="", MIBDIRS=persist)
        port = free_port(socket.SOCK_DGRAM)
        address = f"127.0.0.1:{port}"
        process = procs.spawn(f"snmpd box{i + 1:02}",
                              [snmpd, "-f", "-Lo", "-C", "-c", conf, "-p",
                               os.path.join(folder, "snmpd.pid"), "-I", "-smux",
                               f"udp:{address}"],
                              os.path.join(folder, "snmpd.log"), env=env, cwd=folder)
        addresses.append(address)
        probe = [snmpget, "-v2c", "-c", community, "-t", "0.2", "-r", "0", "-On", "-Oq",
                 address, SYS_UPTIME]
        wait_until(f"snmpd on udp {address}",
                   lambda: subprocess.run(probe, capture_output=True, env=env).returncode == 0,
                   STARTUP_TIMEOUT_S, process)
    return addresses


def walk(snmpwalk, community, address, column):
    out = subprocess.run([snmpwalk, "-v2c", "-c", community, "-On", "-Oq", address, column],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, MIBS="")).stdout
    rows = {}
    for line in out.splitlines():
        oid, _, value = line.partition(" ")
        rows[value.strip('"')] = oid.rsplit(".", 1)[1]
    return rows


def start_mosquitto(procs, mosquitto, root):
    folder = os.path.join(root, "mosquitto")
    os.makedirs(folder)
    port = free_port(socket.SOCK_STREAM)
    conf = os.path.join(folder, "mosquitto.conf")
    text = (f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 100000\nlog_dest stderr\nlog_type error\nlog_type warning\n"
            "log_type notice\nlog_type information\nlog_timestamp true\n")
    if os.geteuid() == 0:
        text += "user root\n"  # else mosquitto becomes `mosquitto`, who cannot read here
    write(conf, text)
    process = procs.spawn("mosquitto", [mosquitto, "-c", conf],
                          os.path.join(folder, "mosquitto.log"))

    def accepts():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    wait_until(f"mosquitto on 127.0.0.1:{port}", accepts, STARTUP_TIMEOUT_S, process)
    return port


def make_sysfs(root):
    sysfs = os.path.join(root, "sys")
    for _, _, device, files in SENSORS:
        for name, text in files.items():
            write(os.path.join(sysfs, device, name), text)
    return sysfs


# ---------------------------------------------------------------------------------------
# What each delivered

class Counter:
    """Counts what the subscriber receives, per sender, from `since` on."""

    def __init__(self):
        self.lock = threading.Lock()
        self.since = None  # monotonic start of the measured window
        self.first = {"coolflow": None, "collectd": None}
        self.messages = collections.Counter()
        self.values = collections.Counter()
        self.snmp_boxes = {"coolflow": set(), "collectd": set()}
        self.sensor_values = collections.Counter()
        self.metrics_seen = collections.Counter()
        self.bad = collections.Counter()
        self.last = {}  # (sender, "snmp" or "sensor") -> (topic, payload) last received
        self.probe_seen = threading.Event()

    def handle(self, topic, payload):
        now = time.monotonic()
        if topic == PROBE_TOPIC:
            self.probe_seen.set()
            return
        sender = topic.split("/", 1)[0]
        if sender not in self.first or topic.startswith("coolflow/status/"):
            return
        with self.lock:
            if self.first[sender] is None:
                self.first[sender] = now
            if self.since is None or now < self.since:
                return
            self.messages[sender] += 1
            snmp = topic == "coolflow/resource" or topic.startswith("collectd/srv-")
            self.last[(sender, "snmp" if snmp else "sensor")] = (topic, payload)
            if sender == "coolflow":
                self.count_coolflow(topic, payload)
            else:
                self.count_collectd(topic, payload)

    def count_coolflow(self, topic, payload):
        for line in payload.splitlines():
            if not line.strip():
                continue
            try:
                reading = json.loads(line)
            except ValueError:
                self.bad["coolflow"] += 1
                continue
            self.values["coolflow"] += 1
            if topic == "coolflow/resource":
                self.snmp_boxes["coolflow"].add(reading.get("box"))
                self.metrics_seen[reading.get("metric", "?")] += 1
            else:
                self.sensor_values["coolflow"] += 1

    def count_collectd(self, topic, payload):
        # collectd/<host>/<plugin>[-<instance>]/<type>[-<instance>], payload time:v1:...:vn
        parts = topic.split("/")
        fields = payload.strip().split(":")
        if len(parts) != 4 or len(fields) < 2:
            self.bad["collectd"] += 1
            return
        self.values["collectd"] += len(fields) - 1
        if parts[2].startswith("snmp"):
            self.snmp_boxes["collectd"].add(parts[1])
        else:
            self.sensor_values["collectd"] += len(fields) - 1


def read_subscriber(stream, counter):
    # mosquitto_sub -F '%t %x': the topic, a space, the payload in hex; one message a line.
    for raw in stream:
        topic, _, hex_payload = raw.decode("ascii", "replace").rstrip("\n").partition(" ")
        try:
            payload = bytes.fromhex(hex_payload).decode("utf-8", "replace")
        except ValueError:
            counter.bad["subscriber"] += 1
            continue
        counter.handle(topic, payload)


# ---------------------------------------------------------------------------------------
# Configs

def agent_config(root, addresses, community_file, sysfs, mqtt_port, metrics_port):
    targets = "\n".join(
        f"      - {{box: srv-{i + 1:02}, address: \"{address}\", community_file: "
        f"\"{community_file}\", interface: {INTERFACE}, disk_path: \"{DISK_PATH}\"}}"
        for i, address in enumerate(addresses))
    sensors = "\n".join(
        f"      - {{name: {name}, kind: {kind}, device: \"{os.path.basename(device)}\"}}"
        for name, kind, device, _ in SENSORS)
    return f"""# coolflow agent footprint bench (generated)
box: pi-bench
inputs:
  - kind: snmp
    name: snmp
    interval: 1s
    targets:
{targets}
  - kind: sysfs
    name: sensors
    interval: 1s
    sysfs_root: "{sysfs}"
    sensors:
{sensors}
delivery:
  transport: mqtt
  format: coolflow-json
  topic_prefix: coolflow
  mqtt:
    host: 127.0.0.1
    port: {mqtt_port}
spool:
  dir: "{os.path.join(root, 'agent', 'spool')}"
metrics:
  host: 127.0.0.1
  port: {metrics_port}
log_level: info
"""


COLLECTD_TYPE = "coolflow_resource"


def collectd_types():
    sources = ", ".join(f"{name}:{kind}:0:U" for name, _, kind in SNMP_ITEMS)
    return f"{COLLECTD_TYPE} {sources}\n"


def collectd_config(root, addresses, community, sysfs, mqtt_port, disk_index, if_index):
    folder = os.path.join(root, "collectd")
    oids = []
    for name, oid, _ in SNMP_ITEMS:
        if name == "disk_pct":
            oid += f".{disk_index}"
        elif name in ("net_in", "net_out"):
            oid += f".{if_index}"
        oids.append(f'".{oid}"')
    hosts = "\n".join(f"""  <Host "srv-{i + 1:02}">
    Address "udp:{address}"
    Version 2
    Community "{community}"
    Collect "resource"
  </Host>""" for i, address in enumerate(addresses))
    tables = "\n".join(f"""  <Table "{os.path.join(sysfs, path)}">
    Plugin "sysfs"
    Instance "{name}"
    Separator " \\\\n"
    <Result>
      Type gauge
      InstancePrefix "{os.path.basename(path)}"
      ValuesFrom 0
    </Result>
  </Table>""" for name, path in SENSOR_VALUE_FILES)
    return f"""# coolflow agent footprint bench: collectd doing the same work (generated)
Hostname "pi-bench"
FQDNLookup false
BaseDir "{folder}"
PIDFile "{folder}/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db" "{folder}/types.db"
Interval 1

LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
  Timestamp true
</Plugin>

LoadPlugin snmp
<Plugin snmp>
  <Data "resource">
    Table false
    Type "{COLLECTD_TYPE}"
    Values {" ".join(oids)}
  </Data>
{hosts}
</Plugin>

LoadPlugin table
<Plugin table>
{tables}
</Plugin>

LoadPlugin mqtt
<Plugin mqtt>
  <Publish "bench">
    Host "127.0.0.1"
    Port "{mqtt_port}"
    ClientId "collectd-pi-bench"
    Prefix "collectd"
    QoS 1
    Retain false
  </Publish>
</Plugin>
"""


# ---------------------------------------------------------------------------------------
# The run

def scrape_metrics(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError as e:
        return f"# scrape failed: {e}\n"


def metric_sum(text, name, label_filter=""):
    total = 0.0
    found = False
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        key, _, value = line.rpartition(" ")
        if key.split("{")[0] != name or label_filter not in key:
            continue
        total += float(value)
        found = True
    return total if found else None


def log_problems(path, pattern):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [line.rstrip() for line in f if re.search(pattern, line)]
    except OSError:
        return []


def main():
    sys.stdout.reconfigure(line_buffering=True)
    coolflow = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/release/apps/coolflow")
    seconds = float(os.environ.get("FOOTPRINT_SECONDS", DEFAULT_SECONDS))
    keep = os.environ.get("FOOTPRINT_KEEP") == "1"
    if not os.access(coolflow, os.X_OK):
        raise BenchError(f"{coolflow}: no coolflow binary (build the release preset)")
    snmpd = find_program("/usr/sbin/snmpd", "snmpd")
    snmpget = find_program("snmpget", "snmp")
    snmpwalk = find_program("snmpwalk", "snmp")
    mosquitto = find_program("/usr/sbin/mosquitto", "mosquitto")
    mosquitto_sub = find_program("mosquitto_sub", "mosquitto-clients")
    mosquitto_pub = find_program("mosquitto_pub", "mosquitto-clients")
    collectd = find_program("/usr/sbin/collectd", "collectd-core")
    for plugin in ("snmp", "table", "mqtt", "logfile"):
        if not os.path.exists(f"/usr/lib/collectd/{plugin}.so"):
            raise BenchError(f"collectd has no {plugin} plugin (/usr/lib/collectd/{plugin}.so)")

    root = tempfile.mkdtemp(prefix="coolflow-footprint-")
    procs = Processes()

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    try:
        return run(root, procs, seconds, coolflow, snmpd, snmpget, snmpwalk, mosquitto,
                   mosquitto_sub, mosquitto_pub, collectd)
    finally:
        procs.stop_all()
        if keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def run(root, procs, seconds, coolflow, snmpd, snmpget, snmpwalk, mosquitto, mosquitto_sub,
        mosquitto_pub, collectd):
    community = secrets.token_hex(SNMP_COMMUNITY_BYTES)
    community_file = os.path.join(root, "agent", "community")
    write(community_file, community + "\n", 0o600)
    os.makedirs(os.path.join(root, "agent", "spool"))
    os.makedirs(os.path.join(root, "collectd", "no-snmp-conf"))

    log(f"starting {BOXES} snmpd, mosquitto and the fake sysfs tree in {root}")
    addresses = start_snmpds(procs, snmpd, snmpget, root, community)
    disks = walk(snmpwalk, community, addresses[0], DSK_PATH_COLUMN)
    interfaces = walk(snmpwalk, community, addresses[0], IF_NAME_COLUMN)
    if DISK_PATH not in disks or INTERFACE not in interfaces:
        raise BenchError(f"snmpd lists no dskPath {DISK_PATH} ({disks}) or ifName {INTERFACE} "
                         f"({interfaces})")
    mqtt_port = start_mosquitto(procs, mosquitto, root)
    sysfs = make_sysfs(root)

    counter = Counter()
    subscriber = procs.spawn(
        "mosquitto_sub",
        [mosquitto_sub, "-h", "127.0.0.1", "-p", str(mqtt_port), "-q", "1", "-i", "bench-counter",
         "-t", "coolflow/#", "-t", "collectd/#", "-t", PROBE_TOPIC, "-F", "%t %x"],
        os.path.join(root, "mosquitto", "subscriber.log"), stdout=subprocess.PIPE)
    reader = threading.Thread(target=read_subscriber, args=(subscriber.stdout, counter),
                              daemon=True)
    reader.start()

    def probe():
        subprocess.run([mosquitto_pub, "-h", "127.0.0.1", "-p", str(mqtt_port), "-t", PROBE_TOPIC,
                        "-m", "x"], capture_output=True)
        return counter.probe_seen.wait(0.2)

    wait_until("the counting subscriber", probe, STARTUP_TIMEOUT_S, subscriber)

    agent_yaml = os.path.join(root, "agent", "agent.yaml")
    metrics_port = free_port(socket.SOCK_STREAM)
    write(agent_yaml, agent_config(root, addresses, community_file, sysfs, mqtt_port, metrics_port))
    collectd_conf = os.path.join(root, "collectd", "collectd.conf")
    write(os.path.join(root, "collectd", "types.db"), collectd_types())
    write(collectd_conf, collectd_config(root, addresses, community, sysfs, mqtt_port,
                                         disks[DISK_PATH], interfaces[INTERFACE]), 0o600)
    check = subprocess.run([coolflow, "agent", "--config", agent_yaml, "--check"],
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise BenchError(f"coolflow agent --check: {check.stderr.strip() or check.stdout.strip()}")
    check = subprocess.run([collectd, "-t", "-C", collectd_conf], capture_output=True, text=True)
    if check.returncode != 0:
        raise BenchError(f"collectd -t: {check.stderr.strip() or check.stdout.strip()}")

    # The agent turns MIB loading off itself (netsnmp_library.cc); collectd gets the same from
    # its environment: no MIB files, no snmp.conf.
    collectd_env = dict(os.environ, MIBS="",
                        MIBDIRS=os.path.join(root, "collectd", "no-snmp-conf"),
                        SNMPCONFPATH=os.path.join(root, "collectd", "no-snmp-conf"),
                        SNMP_PERSISTENT_DIR=os.path.join(root, "collectd", "no-snmp-conf"))
    agent_log = os.path.join(root, "agent", "agent.log")
    collectd_log = os.path.join(root, "collectd", "collectd.log")
    log(f"starting coolflow agent and collectd together for {seconds:.0f} s")
    agent = procs.spawn("coolflow agent", [coolflow, "agent", "--config", agent_yaml], agent_log)
    collector = procs.spawn("collectd", [collectd, "-f", "-C", collectd_conf], collectd_log,
                            env=collectd_env)
    measured = {"coolflow agent": agent, "collectd": collector}

    def both_delivered():
        for name, p in measured.items():
            if p.poll() is not None:
                raise BenchError(f"{name} exited ({p.returncode}) at start")
        return all(counter.first[s] is not None for s in ("coolflow", "collectd"))

    wait_until("first values from both", both_delivered, FIRST_DATA_TIMEOUT_S)
    # The window starts at the next whole second after both delivered: one full interval each.
    time.sleep(1.0)
    with counter.lock:
        counter.since = time.monotonic()
    window_start = counter.since
    samples = {name: [] for name in measured}  # (seconds into the window, VmRSS kB)
    deadline = window_start + seconds
    while True:
        now = time.monotonic()
        for name, p in measured.items():
            if p.poll() is not None:
                raise BenchError(f"{name} exited ({p.returncode}) {now - window_start:.0f} s into "
                                 "the run")
            samples[name].append((now - window_start, proc_status(p.pid)["VmRSS"]))
        if now >= deadline:
            break
        time.sleep(min(SAMPLE_EVERY_S, deadline - now))

    # Measure first, then ask anything of them.
    with counter.lock:
        window = time.monotonic() - window_start
        delivered = {s: (counter.messages[s], counter.values[s], set(counter.snmp_boxes[s]),
                         counter.sensor_values[s]) for s in ("coolflow", "collectd")}
        metric_counts = dict(counter.metrics_seen)
        last = dict(counter.last)
        bad = dict(counter.bad)
    stats = {}
    for name, p in measured.items():
        status = proc_status(p.pid)
        cpu, life, user, system = proc_cpu(p.pid)
        stats[name] = dict(hwm_kb=status["VmHWM"], rss_kb=status["VmRSS"],
                           anon_kb=status["RssAnon"], file_kb=status["RssFile"] + status["RssShmem"],
                           threads=status["Threads"], pss_kb=proc_pss_kb(p.pid), cpu=cpu,
                           life=life, user=user, system=system, by_thread=thread_cpu(p.pid))
        # Where the memory is, mapping by mapping, for whoever keeps the folder to look at.
        with open(f"/proc/{p.pid}/smaps", encoding="utf-8") as f:
            write(os.path.join(root, f"{name.split()[-1]}.smaps"), f.read())
    metrics = scrape_metrics(metrics_port)
    with open(os.path.join(root, "agent", "metrics.txt"), "w", encoding="utf-8") as f:
        f.write(metrics)
    procs.stop(agent)
    procs.stop(collector)

    report(seconds, window, stats, samples, delivered, metric_counts, last, bad, metrics,
           agent, collector, agent_log, collectd_log)
    return 0


def report(seconds, window, stats, samples, delivered, metric_counts, last, bad, metrics,
           agent, collector, agent_log, collectd_log):
    def mb(kb):
        return kb / 1024.0 if kb is not None else float("nan")

    def ratio(x, y):
        return f"{x / y:.2f}x" if x is not None and y else "-"

    print(f"agent footprint: {BOXES} SNMP boxes x 15 OIDs (14 items + sysUpTime) and 4 sysfs "
          f"sensors (6 values), all every 1 s, MQTT QoS 1 to one mosquitto; coolflow agent and "
          f"collectd ran at once, {window:.0f} s measured (FOOTPRINT_SECONDS={seconds:.0f}), "
          f"{os.cpu_count()} cores")
    columns = [("process", 18), ("peak RSS MB", 11), ("RSS MB", 7), ("anon MB", 7),
               ("file MB", 7), ("PSS MB", 7), ("threads", 7), ("CPU s", 7), ("CPU %", 6),
               ("msgs/s", 7), ("values/s", 8), ("SNMP boxes", 10)]

    def row(cells):
        return " ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                        for i, (c, (_, w)) in enumerate(zip(cells, columns)))

    header = row([name for name, _ in columns])
    print(header)
    print("-" * len(header))
    names = (("coolflow agent", "coolflow"), ("collectd", "collectd"))
    for name, sender in names:
        s = stats[name]
        messages, values, boxes, _ = delivered[sender]
        print(row([name, f"{mb(s['hwm_kb']):.2f}", f"{mb(s['rss_kb']):.2f}",
                   f"{mb(s['anon_kb']):.2f}", f"{mb(s['file_kb']):.2f}", f"{mb(s['pss_kb']):.2f}",
                   s["threads"], f"{s['cpu']:.2f}", f"{100.0 * s['cpu'] / s['life']:.2f}",
                   f"{messages / window:.1f}", f"{values / window:.1f}",
                   f"{len(boxes)}/{BOXES}"]))
    a, c = stats["coolflow agent"], stats["collectd"]
    print(row(["coolflow/collectd"] + [ratio(a[k], c[k]) for k in
                                        ("hwm_kb", "rss_kb", "anon_kb", "file_kb", "pss_kb")] +
              ["", ratio(a["cpu"], c["cpu"]), "", "", "", ""]))
    print("  peak RSS = VmHWM; anon/file = RssAnon and RssFile+RssShmem at the end (file: "
          "mapped binaries and libraries, shared with any other process using them); CPU = "
          "utime+stime(+children) over the process's life, start-up included; values/s: "
          "coolflow's readings (NDJSON lines: 15 items + cpu_percent + 2 network rates per "
          "box, 6 sensor values), collectd's values (15 per box, 6 sensor values)")

    rss_ok = mb(a["hwm_kb"]) <= RSS_TARGET_MB and a["hwm_kb"] <= c["hwm_kb"]
    cpu_ok = a["cpu"] <= c["cpu"]
    print(f"target peak RSS <= {RSS_TARGET_MB:.0f} MB and <= collectd's: "
          f"{mb(a['hwm_kb']):.2f} MB vs {mb(c['hwm_kb']):.2f} MB: {'PASS' if rss_ok else 'FAIL'}")
    print(f"target CPU <= collectd's: {a['cpu']:.2f} s vs {c['cpu']:.2f} s: "
          f"{'PASS' if cpu_ok else 'FAIL'}")

    print("checks:")
    for name, sender in names:
        series = samples[name]
        picks = [series[0], series[len(series) // 4], series[len(series) // 2], series[-1]]
        print(f"  {name} VmRSS: " +
              ", ".join(f"{mb(kb):.2f} MB at {t:.0f} s" for t, kb in picks))
        by_thread = stats[name]["by_thread"]
        print(f"  {name} CPU s by thread, in creation order: " +
              ", ".join(f"{t} {cpu:.3f}" for cpu, t in by_thread) +
              f" (sum {sum(cpu for cpu, _ in by_thread):.2f}; user {stats[name]['user']:.2f}, "
              f"system {stats[name]['system']:.2f})")
    everyone = {f"srv-{i + 1:02}" for i in range(BOXES)}
    for name, sender in names:
        _, values, boxes, sensor_values = delivered[sender]
        print(f"  {sender}: {values} values in the window, {sensor_values / window:.1f} sensor "
              f"values/s (6 expected), SNMP boxes missing: "
              f"{', '.join(sorted(everyone - boxes)) or 'none'}")
        for kind in ("snmp", "sensor"):
            topic, payload = last.get((sender, kind), ("(nothing received)", ""))
            first_line = payload.strip().splitlines()[0] if payload.strip() else ""
            print(f"    last {kind} message: {topic} {first_line[:150]}")
    polls = metric_sum(metrics, "coolflow_agent_polls_total")
    errors = metric_sum(metrics, "coolflow_agent_poll_errors_total")
    overruns = metric_sum(metrics, "coolflow_agent_poll_overruns_total")
    sent = metric_sum(metrics, "coolflow_agent_messages_sent_total")
    failed = metric_sum(metrics, "coolflow_agent_messages_failed_total")
    depth = metric_sum(metrics, "coolflow_agent_spool_depth_messages")
    print(f"  coolflow /metrics: polls {polls or 0:.0f}, poll errors {errors or 0:.0f}, overruns "
          f"{overruns or 0:.0f}, messages sent {sent or 0:.0f}, failed {failed or 0:.0f}, spool "
          f"depth {depth or 0:.0f}")
    if metric_counts:
        counts = metric_counts.values()
        print(f"  coolflow/resource: {len(metric_counts)} metrics, {min(counts)}..{max(counts)} "
              "readings each (cpu_percent only when snmpd's 5 s CPU counters moved)")
    if bad:
        print(f"  unreadable messages: {bad}")
    for name, path, process in (("coolflow agent", agent_log, agent),
                                ("collectd", collectd_log, collector)):
        problems = log_problems(path, r"(?i)\b(error|warn|fail|timeout|timed out)")
        print(f"  {name}: exit {process.returncode} after SIGTERM; {len(problems)} log lines "
              f"with error/warning")
        for line in problems[:5]:
            print(f"    {line[:160]}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        log(f"cannot run: {e}")
        sys.exit(1)
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
        sys.exit(130)
