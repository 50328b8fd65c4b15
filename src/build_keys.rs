//! The keys of a join's build side, recorded as they pass into the join, for the run-time
//! filter of its probe side.
//!
//! When a join's build side has more keys than DataFusion lists, its dynamic filter probes the
//! join's hash table for each row of the probe side (`hash_lookup`): hashing the key and
//! finding the hash in a table of tens of thousands cost 16 ns a row in TPC-H q04, a third of
//! the query's time, for the 3.8 million rows of `lineitem` it tests. A join that partitions
//! its build side probes the table of the row's partition, inside a `CASE` on the row's hash,
//! which [`crate::run_time_filters`] cannot apply before the rows are partitioned, so there
//! only the keys' range filtered rows. A bitmap of the keys' range answers with one load. The
//! hash tables do not give their keys back, so [`RecordKeysExec`], put between the join and its
//! build side, sets a bit for each key as the rows pass (every partition into one bitmap):
//! integer keys within [`MAX_BITS`] of each other (the 57,000 order keys of q04, out of six
//! million, take 732 KiB). Once the whole build side has passed, the run-time filters of the
//! probe side test the bitmap instead of probing the tables, and test it before the scan's own
//! filter, as they do key lists.
//!
//! The bitmap holds the build side's keys exactly (the probe of a table only their hashes),
//! and a row whose key is not among them finds no match: NULL keys are left out, and joins
//! where NULL matches NULL are not recorded. Its memory is reserved in the session's pool
//! while it is recorded (and given back once it is: the finished set, at most 1 MiB, lives as
//! long as the plan); where the pool refuses it, nothing is recorded and the filter probes the
//! tables as DataFusion's does.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use arrow::array::{Array, AsArray, PrimitiveArray, RecordBatch};
use arrow::datatypes::{
    ArrowNumericType, DataType, Int8Type, Int16Type, Int32Type, Int64Type, SchemaRef, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{NullEquality, Result};
use datafusion::execution::TaskContext;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
    RecordBatchStream, SendableRecordBatchStream,
};
use futures::{Stream, StreamExt};
use parking_lot::Mutex;

use crate::key_bitmap::{KeySet, is_integer};

/// The widest range of keys recorded: 2²³ bits, 1 MiB, which holds the order keys of TPC-H at
/// scale 1 (six million) and fits the processor's second-level cache.
pub(crate) const MAX_BITS: u64 = 1 << 23;

/// What the last run of a join's build side recorded, shared by its partitions.
#[derive(Debug, Default)]
pub(crate) struct RecordedKeys {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Runs begun so far: a partition's keys count only in the run it was read in.
    run: u64,
    recording: Recording,
}

#[derive(Debug, Default)]
enum Recording {
    #[default]
    NotRun,
    /// The partitions begun in this run, the keys of those read to their end (`None` once
    /// they do not fit a bitmap or the memory pool), and how many are still being read.
    Running {
        begun: Vec<bool>,
        keys: Option<Recorded>,
        left: usize,
    },
    /// Every partition of the build side was read to its end: its keys, if they fit.
    Done(Option<KeySet>),
}

/// Keys with the memory reserved for them.
#[derive(Debug)]
struct Recorded {
    keys: Keys,
    reservation: MemoryReservation,
}

impl Recorded {
    /// `keys` with `reservation` grown or shrunk to their size; `None` if the pool refuses.
    fn reserved(keys: Keys, reservation: MemoryReservation) -> Option<Recorded> {
        reservation.try_resize(keys.size()).ok()?;
        Some(Recorded { keys, reservation })
    }
}

impl RecordedKeys {
    /// The keys of the build side, once it has been read to its end and if they fit a bitmap.
    pub(crate) fn keys(&self) -> Option<KeySet> {
        match &self.state.lock().recording {
            Recording::Done(keys) => keys.clone(),
            Recording::NotRun | Recording::Running { .. } => None,
        }
    }

    /// Partition `partition` of the build side's `partitions` begins: in the run under way,
    /// or in a new one if there is none or this partition was begun in it already (a plan run
    /// again, after a run some partition of which never ended). The run's number.
    fn begin(&self, partition: usize, partitions: usize, reservation: MemoryReservation) -> u64 {
        let mut state = self.state.lock();
        let new_run = match &state.recording {
            Recording::Running { begun, .. } => begun.get(partition).copied().unwrap_or(true),
            Recording::NotRun | Recording::Done(_) => true,
        };
        if new_run {
            state.run += 1;
            state.recording = Recording::Running {
                begun: vec![false; partitions],
                keys: Recorded::reserved(Keys::default(), reservation),
                left: partitions,
            };
        }
        if let Recording::Running { begun, .. } = &mut state.recording
            && let Some(begun) = begun.get_mut(partition)
        {
            *begun = true;
        }
        state.run
    }

    /// A partition of run `run` was read to its end with `keys` (`None`: they did not fit).
    fn finish(&self, run: u64, keys: Option<Recorded>) {
        let mut state = self.state.lock();
        if state.run != run {
            return;
        }
        let Recording::Running {
            keys: all, left, ..
        } = &mut state.recording
        else {
            return;
        };
        *all = match (all.take(), keys) {
            (Some(mut all), Some(part)) => {
                let merged = all.keys.merge(part.keys);
                drop(part.reservation);
                merged
                    .then(|| Recorded::reserved(all.keys, all.reservation))
                    .flatten()
            }
            _ => None,
        };
        *left = left.saturating_sub(1);
        if *left == 0 {
            // The set is given its memory back once recorded, as the join's own table is once
            // its streams end: it is at most 1 MiB, and kept only while the plan is.
            let keys = all.take().and_then(|recorded| recorded.keys.finish());
            state.recording = Recording::Done(keys);
        }
    }
}

/// The join key of a join's build side, if the join has one integer key where NULL matches
/// nothing, and a dynamic filter for its probe side: the joins whose keys [`RecordKeysExec`]
/// records. With the dynamic filter's id.
pub(crate) fn recordable_key(join: &HashJoinExec) -> Option<(Arc<dyn PhysicalExpr>, u64)> {
    let modes = [PartitionMode::CollectLeft, PartitionMode::Partitioned];
    if !modes.contains(join.partition_mode())
        || join.null_equality() != NullEquality::NullEqualsNothing
    {
        return None;
    }
    let [(key, _)] = join.on() else {
        return None;
    };
    let [filter] = &join.dynamic_expressions_produced()[..] else {
        return None;
    };
    let id = filter.expression_id()?;
    is_integer(&key.data_type(&join.left().schema()).ok()?).then(|| (Arc::clone(key), id))
}

/// Passes its input through, recording the values of `key` in `recorded` (see the module).
#[derive(Debug)]
pub(crate) struct RecordKeysExec {
    input: Arc<dyn ExecutionPlan>,
    key: Arc<dyn PhysicalExpr>,
    recorded: Arc<RecordedKeys>,
}

impl RecordKeysExec {
    pub(crate) fn new(
        input: Arc<dyn ExecutionPlan>,
        key: Arc<dyn PhysicalExpr>,
        recorded: Arc<RecordedKeys>,
    ) -> Self {
        RecordKeysExec {
            input,
            key,
            recorded,
        }
    }
}

impl DisplayAs for RecordKeysExec {
    fn fmt_as(&self, _format: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordKeysExec: {}", self.key)
    }
}

impl ExecutionPlan for RecordKeysExec {
    fn name(&self) -> &'static str {
        "RecordKeysExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        f(&self.key)
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(RecordKeysExec {
            input: children.swap_remove(0),
            key: Arc::clone(&self.key),
            recorded: Arc::clone(&self.recorded),
        }))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let consumer = |name: &str| {
            MemoryConsumer::new(format!("{name}[{partition}]")).register(context.memory_pool())
        };
        // A join reads each partition of its build side once per run.
        let partitions = self.input.output_partitioning().partition_count();
        let all = consumer("RecordKeysExec(all partitions)");
        let run = self.recorded.begin(partition, partitions, all);
        let keys = Recorded::reserved(Keys::default(), consumer("RecordKeysExec"));
        let input = self.input.execute(partition, context)?;
        Ok(Box::pin(Recorder {
            schema: input.schema(),
            input,
            key: Arc::clone(&self.key),
            recorded: Arc::clone(&self.recorded),
            run,
            keys,
        }))
    }
}

/// The stream of a [`RecordKeysExec`].
struct Recorder {
    input: SendableRecordBatchStream,
    schema: SchemaRef,
    key: Arc<dyn PhysicalExpr>,
    recorded: Arc<RecordedKeys>,
    /// The run of the build side this partition is read in.
    run: u64,
    /// The keys so far; `None` once they do not fit a bitmap or the memory pool (recording
    /// them only spares work: the filter then probes the join's tables, as DataFusion's does).
    keys: Option<Recorded>,
}

impl Recorder {
    /// Records the keys of `batch`; stops recording if they cannot be (the join, which
    /// evaluates them too, says why if it cannot either).
    fn record(&mut self, batch: &RecordBatch) {
        let Some(Recorded { keys, reservation }) = &mut self.keys else {
            return;
        };
        let evaluated = self.key.evaluate(batch);
        let Ok(values) = evaluated.and_then(|v| v.into_array(batch.num_rows())) else {
            self.keys = None;
            return;
        };
        let fits = match values.data_type() {
            DataType::Int8 => keys.add(values.as_primitive::<Int8Type>()),
            DataType::Int16 => keys.add(values.as_primitive::<Int16Type>()),
            DataType::Int32 => keys.add(values.as_primitive::<Int32Type>()),
            DataType::Int64 => keys.add(values.as_primitive::<Int64Type>()),
            DataType::UInt8 => keys.add(values.as_primitive::<UInt8Type>()),
            DataType::UInt16 => keys.add(values.as_primitive::<UInt16Type>()),
            DataType::UInt32 => keys.add(values.as_primitive::<UInt32Type>()),
            DataType::UInt64 => keys.add(values.as_primitive::<UInt64Type>()),
            _ => false,
        };
        if !fits || reservation.try_resize(keys.size()).is_err() {
            self.keys = None;
        }
    }
}

impl Stream for Recorder {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.input.poll_next_unpin(cx);
        match &polled {
            Poll::Ready(Some(Ok(batch))) => self.record(batch),
            // Recorded before the join hears the side has ended, so before it fills in the
            // dynamic filter the run-time filters read.
            Poll::Ready(None) => {
                let keys = self.keys.take();
                self.recorded.finish(self.run, keys);
            }
            Poll::Ready(Some(Err(_))) | Poll::Pending => {}
        }
        polled
    }
}

impl RecordBatchStream for Recorder {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

/// Keys gathered in a bitmap that grows to cover them: bit `k - base` is set for key `k`.
#[derive(Debug, Default)]
struct Keys {
    /// A multiple of 64, so that the bitmap grows downwards by whole words.
    base: i128,
    words: Vec<u64>,
    /// The lowest and highest key so far.
    range: Option<(i128, i128)>,
}

impl Keys {
    /// The memory the bitmap holds.
    fn size(&self) -> usize {
        self.words.capacity() * std::mem::size_of::<u64>()
    }

    /// Adds the keys of `values` other than NULL; false once they span more than [`MAX_BITS`].
    fn add<T: ArrowNumericType>(&mut self, values: &PrimitiveArray<T>) -> bool
    where
        T::Native: Into<i128>,
    {
        let Some((lowest, highest)) = arrow::compute::min(values).zip(arrow::compute::max(values))
        else {
            return true; // no keys, or only NULL
        };
        if !self.widen(lowest.into(), highest.into()) {
            return false;
        }
        let (base, words) = (self.base, &mut self.words);
        let mut set = |key: T::Native| {
            let at = (key.into() - base) as usize;
            words[at / 64] |= 1 << (at % 64);
        };
        match values.nulls().filter(|nulls| nulls.null_count() > 0) {
            None => values.values().iter().for_each(|&key| set(key)),
            Some(nulls) => nulls.valid_indices().for_each(|i| set(values.values()[i])),
        }
        true
    }

    /// Grows the bitmap to cover `lowest..=highest` besides the keys so far: downwards by at
    /// least as many words as it has (keys in falling order then move the words a logarithmic
    /// number of times). False, the bitmap as it was, if together they span more than
    /// [`MAX_BITS`].
    fn widen(&mut self, lowest: i128, highest: i128) -> bool {
        let (lowest, highest) = match self.range {
            Some((low, high)) => (low.min(lowest), high.max(highest)),
            None => (lowest, highest),
        };
        if highest - lowest >= i128::from(MAX_BITS) {
            return false;
        }
        self.range = Some((lowest, highest));
        if self.words.is_empty() {
            self.base = lowest.div_euclid(64) * 64;
        } else if lowest < self.base {
            let needed = ((self.base - lowest + 63) / 64) as usize;
            let added = needed.max(self.words.len());
            self.words.splice(0..0, std::iter::repeat_n(0, added));
            self.base -= 64 * added as i128;
        }
        let words = ((highest - self.base) / 64 + 1) as usize;
        if words > self.words.len() {
            self.words.resize(words, 0);
        }
        true
    }

    /// Adds the keys of `other`; false if together they span more than [`MAX_BITS`].
    fn merge(&mut self, other: Keys) -> bool {
        let Some((low, high)) = other.range else {
            return true;
        };
        if self.range.is_none() {
            *self = other;
            return true;
        }
        if !self.widen(low, high) {
            return false;
        }
        if let Some((from, words)) = other.trimmed() {
            let offset = ((from - self.base) / 64) as usize;
            for (word, bits) in self.words[offset..].iter_mut().zip(words) {
                *word |= bits;
            }
        }
        true
    }

    /// The words from the lowest key's to the highest's, and the value the first begins at.
    fn trimmed(&self) -> Option<(i128, &[u64])> {
        let (lowest, highest) = self.range?;
        let first = ((lowest - self.base) / 64) as usize;
        let last = ((highest - self.base) / 64) as usize;
        Some((self.base + 64 * first as i128, &self.words[first..=last]))
    }

    /// The keys as a set, the words below the lowest key and above the highest left out;
    /// `None` if there were none.
    fn finish(self) -> Option<KeySet> {
        let (from, words) = self.trimmed()?;
        Some(KeySet::from_bits(from, words.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int8Array, Int64Array, UInt64Array};

    use super::*;

    /// The set of `batches` of keys added in turn, if they fit.
    fn recorded<T: ArrowNumericType>(batches: &[PrimitiveArray<T>]) -> Option<Option<KeySet>>
    where
        T::Native: Into<i128>,
    {
        let mut keys = Keys::default();
        for batch in batches {
            if !keys.add(batch) {
                return None;
            }
        }
        Some(keys.finish())
    }

    /// Keys rising, falling, scattered, negative, at the type's extremes, with NULLs and
    /// repeats: the set holds exactly the keys, whatever order they came in.
    #[test]
    fn the_set_holds_exactly_the_keys() {
        let falling: Vec<i64> = (0..5000).rev().map(|i| i * 3 - 700).collect();
        let scattered: Vec<i64> = (0..5000).map(|i| (i * 7919) % 100_003 - 50_000).collect();
        let cases: Vec<Vec<Option<i64>>> = vec![
            falling.iter().copied().map(Some).collect(),
            scattered.iter().copied().map(Some).collect(),
            vec![
                Some(5),
                None,
                Some(5),
                Some(-64),
                Some(63),
                Some(64),
                None,
                Some(-65),
            ],
            vec![Some(i64::MAX), Some(i64::MAX - 1000)],
            vec![Some(i64::MIN), Some(i64::MIN + 64)],
        ];
        for keys in cases {
            // In batches of 7, so that the bitmap grows many times.
            let batches: Vec<Int64Array> = keys
                .chunks(7)
                .map(|c| Int64Array::from(c.to_vec()))
                .collect();
            let set = recorded(&batches).unwrap().unwrap();
            let present: std::collections::HashSet<i64> = keys.iter().flatten().copied().collect();
            let (low, high) = (
                *present.iter().min().unwrap(),
                *present.iter().max().unwrap(),
            );
            let probes = (i128::from(low) - 200..=i128::from(low) + 200)
                .chain(i128::from(high) - 200..=i128::from(high) + 200)
                .chain(present.iter().map(|&k| i128::from(k)))
                .chain([i128::from(i64::MIN), i128::from(i64::MAX), 0]);
            for probe in probes {
                let expected = i64::try_from(probe).is_ok_and(|k| present.contains(&k));
                assert_eq!(set.contains(probe), expected, "{probe} in {keys:?}");
            }
        }
        // Other integer types: the extremes of u64 and i8.
        let set = recorded(&[UInt64Array::from(vec![u64::MAX, u64::MAX - 3])])
            .unwrap()
            .unwrap();
        assert!(set.contains(i128::from(u64::MAX)) && set.contains(i128::from(u64::MAX - 3)));
        assert!(!set.contains(i128::from(u64::MAX - 1)) && !set.contains(-1));
        let set = recorded(&[
            Int8Array::from(vec![i8::MIN]),
            Int8Array::from(vec![i8::MAX]),
        ])
        .unwrap()
        .unwrap();
        assert!(set.contains(-128) && set.contains(127) && !set.contains(0));
    }

    /// Keys of several partitions merged, in any order, make the set of all of them; a
    /// partition's keys too far from the others' make none.
    #[test]
    fn partitions_merge_into_the_set_of_all_keys() {
        let all: Vec<i64> = (0..3000).map(|i| (i * 7919) % 20_011 - 9_000).collect();
        // Three partitions by key, each growing its bitmap its own way (one falling).
        let mut parts: Vec<Vec<i64>> = vec![Vec::new(); 3];
        for &key in &all {
            parts[key.rem_euclid(3) as usize].push(key);
        }
        parts[1].sort_unstable_by(|a, b| b.cmp(a));
        let record = |keys: &[i64]| {
            let mut recorded = Keys::default();
            for chunk in keys.chunks(5) {
                assert!(recorded.add(&Int64Array::from(chunk.to_vec())));
            }
            recorded
        };
        let whole = record(&all).finish().unwrap();
        for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2]] {
            let mut merged = Keys::default();
            for part in order {
                assert!(merged.merge(record(&parts[part])));
            }
            assert!(merged.merge(Keys::default()));
            let merged = merged.finish().unwrap();
            for probe in -9_100..11_100 {
                assert_eq!(merged.contains(probe), whole.contains(probe), "{probe}");
            }
        }
        let mut far = record(&[0, 1]);
        assert!(!far.merge(record(&[MAX_BITS as i64])));
    }

    /// A recording passes every batch through, holds its bitmap's memory in the session's pool
    /// while it records (and gives it back once done), and gives way (records nothing) where
    /// the pool refuses it.
    #[tokio::test]
    async fn recording_reserves_its_memory_and_gives_way_to_the_pool() {
        use arrow::datatypes::{Field, Schema};
        use datafusion::datasource::memory::MemorySourceConfig;
        use std::sync::atomic::{AtomicUsize, Ordering};

        use datafusion::execution::memory_pool::{GreedyMemoryPool, MemoryPool};
        use datafusion::execution::runtime_env::RuntimeEnvBuilder;
        use datafusion::physical_expr::expressions::Column;
        use datafusion::physical_plan::collect;

        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true)]));
        // Keys 64 apart over 64,000 values: a bitmap of 1,000 words, 8,000 bytes.
        let batches: Vec<RecordBatch> = (0..4)
            .map(|i| {
                let keys = Int64Array::from_iter_values((0..1000).map(|k| k * 64 + i));
                RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(keys)]).unwrap()
            })
            .collect();
        /// A pool that remembers the most it held.
        #[derive(Debug)]
        struct Peak(GreedyMemoryPool, Arc<AtomicUsize>);
        impl fmt::Display for Peak {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "peak")
            }
        }
        impl MemoryPool for Peak {
            fn name(&self) -> &str {
                "peak"
            }
            fn grow(&self, reservation: &MemoryReservation, additional: usize) {
                self.0.grow(reservation, additional);
                self.1.fetch_max(self.0.reserved(), Ordering::Relaxed);
            }
            fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
                self.0.shrink(reservation, shrink)
            }
            fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
                self.0.try_grow(reservation, additional)?;
                self.1.fetch_max(self.0.reserved(), Ordering::Relaxed);
                Ok(())
            }
            fn reserved(&self) -> usize {
                self.0.reserved()
            }
        }
        for (limit, recorded) in [(1 << 20, true), (4_000, false)] {
            let peak = Arc::new(AtomicUsize::new(0));
            let pool = Arc::new(Peak(GreedyMemoryPool::new(limit), Arc::clone(&peak)));
            let runtime = RuntimeEnvBuilder::new()
                .with_memory_pool(Arc::clone(&pool) as Arc<dyn MemoryPool>)
                .build_arc()
                .unwrap();
            let context = Arc::new(TaskContext::default().with_runtime(runtime));
            let input = MemorySourceConfig::try_new_exec(
                std::slice::from_ref(&batches),
                Arc::clone(&schema),
                None,
            )
            .unwrap();
            let keys = Arc::new(RecordedKeys::default());
            let plan: Arc<dyn ExecutionPlan> = Arc::new(RecordKeysExec::new(
                input,
                Arc::new(Column::new("k", 0)),
                Arc::clone(&keys),
            ));
            let out = collect(Arc::clone(&plan), context).await.unwrap();
            assert_eq!(out, batches);
            match keys.keys() {
                Some(set) => {
                    assert!(recorded, "recorded within {limit} bytes");
                    assert!(set.contains(64 * 999 + 3) && !set.contains(4));
                    assert!(peak.load(Ordering::Relaxed) >= set.size());
                }
                None => assert!(!recorded, "not recorded within {limit} bytes"),
            }
            // Given back once recorded, the plan still there.
            assert_eq!(pool.reserved(), 0);
            drop(plan);
        }
    }

    /// A run some partition of which never ends records nothing, and does not leak into the
    /// next run of the same plan: that run's keys are all of its partitions'.
    #[tokio::test]
    async fn a_run_counts_only_its_own_partitions() {
        use arrow::datatypes::{Field, Schema};
        use datafusion::datasource::memory::MemorySourceConfig;
        use datafusion::physical_expr::expressions::Column;

        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, false)]));
        let partition = |keys: Vec<i64>| {
            let keys = Arc::new(Int64Array::from(keys));
            vec![RecordBatch::try_new(Arc::clone(&schema), vec![keys]).unwrap()]
        };
        let partitions = [partition(vec![1, 2, 3]), partition(vec![100, 200])];
        let input =
            MemorySourceConfig::try_new_exec(&partitions, Arc::clone(&schema), None).unwrap();
        let keys = Arc::new(RecordedKeys::default());
        let plan = RecordKeysExec::new(input, Arc::new(Column::new("k", 0)), Arc::clone(&keys));
        let context = Arc::new(TaskContext::default());
        let read = |stream: SendableRecordBatchStream| async move {
            stream
                .map(|batch| batch.unwrap().num_rows())
                .collect::<Vec<_>>()
                .await
        };
        // First run: partition 1 is begun and dropped before its end.
        let first = plan.execute(0, Arc::clone(&context)).unwrap();
        drop(plan.execute(1, Arc::clone(&context)).unwrap());
        assert_eq!(read(first).await, [3]);
        assert!(keys.keys().is_none());
        // Second run, partition 0 ending first.
        let zero = plan.execute(0, Arc::clone(&context)).unwrap();
        let one = plan.execute(1, Arc::clone(&context)).unwrap();
        assert_eq!(read(zero).await, [3]);
        assert!(keys.keys().is_none(), "done before partition 1 ended");
        assert_eq!(read(one).await, [2]);
        let set = keys.keys().expect("both partitions ended");
        for key in [1, 2, 3, 100, 200] {
            assert!(set.contains(key), "{key}");
        }
        assert!(!set.contains(4) && !set.contains(150));
    }

    /// Keys spanning more than the bitmap covers are not recorded, whether one batch or
    /// several make the span; only NULLs, or no rows, make an empty record.
    #[test]
    fn keys_too_far_apart_are_not_recorded() {
        let span = MAX_BITS as i64;
        assert!(recorded(&[Int64Array::from(vec![0, span - 1])]).is_some());
        assert!(recorded(&[Int64Array::from(vec![0, span])]).is_none());
        let apart = [
            Int64Array::from(vec![10]),
            Int64Array::from(vec![10 - span]),
        ];
        assert!(recorded(&apart).is_none());
        let none = recorded(&[
            Int64Array::from(vec![None, None]),
            Int64Array::from(vec![0i64; 0]),
        ]);
        assert!(none.unwrap().is_none());
    }
}
