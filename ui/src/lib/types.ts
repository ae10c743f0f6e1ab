// The shapes of the hub's API (docs/control-room.md). Only the fields the UI reads are
// declared; the server may send more.

export type Role = 'viewer' | 'operator' | 'admin';

export interface Session {
  user: string;
  role: Role;
  csrf_token: string;
}

export interface RoomLayout {
  name: string;
  racks: { id: string; x: number; y: number }[];
  acs: { id: string; x: number; y: number; rated_capacity_w?: number }[];
  bounds?: { width_m: number; depth_m: number };
  ashrae?: { recommended_c: [number, number]; allowable_c: [number, number] };
  inlet_target_c?: number | null;
  inlet_limit_c?: number | null;
  setpoint_c?: { min: number; max: number; step: number } | null;
  controlled?: boolean;
}

export interface Box {
  box: string;
  online: boolean;
  last_seen?: string;
  series?: number;
}

export interface MeanValue {
  value: number | null;
  series: number;
}

export type Means = Partial<
  Record<'temperature' | 'humidity' | 'cpu' | 'load' | 'memory' | 'disk', MeanValue | null>
>;

export interface Series {
  key: string;
  box: string;
  rack?: string;
  measurement: string;
  metric: string;
  unit?: string;
  labels?: Record<string, string>;
  value: number;
  time: string;
  age_s?: number;
  interval_s?: number;
  stale?: boolean;
}

export interface LiveState {
  time?: string;
  now?: string;
  boxes: Box[];
  means: Means;
  series: Series[];
}

export interface Acknowledgement {
  by: string;
  at: string;
  comment?: string;
}

export interface Alert {
  fingerprint: string;
  rule: string;
  severity: 'info' | 'warning' | 'critical' | string;
  state: 'pending' | 'firing' | 'resolved' | string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  value?: number | null;
  active_since?: string;
  fired_at?: string;
  time?: string;
  inhibited?: boolean;
  silenced?: boolean;
  acknowledged?: Acknowledgement | null;
  history_id?: number;
}

export interface Silence {
  id: number;
  matchers: Record<string, string>;
  starts: string;
  ends: string;
  created_by?: string;
  comment?: string;
}

export interface AlertsState {
  active: Alert[];
  history?: Alert[];
  silences?: Silence[];
  seq?: number;
}

export interface AcCommand {
  ac: string;
  power: boolean;
  setpoint_c: number | null;
}

export interface Decision {
  time: string;
  policy: string;
  mode?: string;
  reason: string;
  decided?: Record<string, { power: boolean; setpoint_c: number | null }>;
  sent?: string[];
}

export interface ControlState {
  policy: string;
  commanded: AcCommand[];
  conditions?: { kind: string; message: string; subject?: string; labels?: Record<string, string> }[];
  decisions?: Decision[];
}

export interface Energy {
  day: string;
  hours_covered?: number | null;
  cooling_kwh: number | null;
  it_kwh: number | null;
  pue: number | null;
  baseline_cooling_kwh: number | null;
  saved_kwh: number | null;
  saved_percent: number | null;
  baseline?: string;
  minutes_outside_recommended: number | null;
  minutes_outside_allowable: number | null;
}

/** A bucket of `GET /api/store/aggregate`: [start_ms, value, points]. */
export type Bucket = [number, number | null, number];

export interface Aggregate {
  step_ms: number;
  series: {
    group?: Record<string, string>;
    tags?: Record<string, string>;
    measurement?: string;
    field?: string;
    buckets: Bucket[];
  }[];
}

/** One changed series of a `delta` frame: [key, value, time_ms]. */
export type DeltaEntry = [string, number, number];

export type LiveMessage =
  | {
      type: 'hello';
      seq: number;
      live: LiveState;
      alerts: AlertsState;
      control: ControlState;
      events?: Alert[];
    }
  | { type: 'delta'; time: string; series: DeltaEntry[]; boxes?: Box[]; means?: Means }
  | { type: 'alert'; seq: number; event: Alert | null; active: Alert[]; silences?: Silence[] }
  | { type: 'control'; control: ControlState };
