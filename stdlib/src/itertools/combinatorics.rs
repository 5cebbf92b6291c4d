//! The combinatoric iterators of `itertools`: the inputs are read whole, then index vectors
//! advance lazily in Python's order (the same algorithms as the equivalents in Python's docs).

use crate::seq::int_param;
use dana_interpreter::error::{value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{collect, Args, NativeIter, Value};

/// The lazy iterator `itertools.<name>` (as the parent's, without importing from it).
fn iter_value(
    name: &str,
    step: impl FnMut(&mut Interp) -> Result<Option<Value>, Exc> + 'static,
) -> Result<Value, Exc> {
    Ok(NativeIter::new(&format!("itertools.{name}"), None, step))
}

fn pick(pool: &[Value], idx: &[usize]) -> Value {
    Value::tuple(idx.iter().map(|&i| pool[i].clone()).collect())
}

fn r_arg(v: &Value) -> Result<usize, Exc> {
    let r = int_param(v)?;
    if r < 0 {
        return Err(value_error("r must be non-negative"));
    }
    Ok(r as usize)
}

/// The next index vector of `product`: an odometer over `sizes`; `false` after the last.
pub(crate) fn odometer(idx: &mut [usize], sizes: &[usize]) -> bool {
    for i in (0..idx.len()).rev() {
        idx[i] += 1;
        if idx[i] < sizes[i] {
            return true;
        }
        idx[i] = 0;
    }
    false
}

pub(crate) fn product(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("product", 0, usize::MAX, &["repeat"])?;
    let repeat = match args.kw("repeat") {
        Some(v) => int_param(v)?,
        None => 1,
    };
    if repeat < 0 {
        return Err(value_error("repeat argument cannot be negative"));
    }
    let mut pools = Vec::new();
    for v in args.pos {
        pools.push(collect(it, v)?);
    }
    let pools: Vec<Vec<Value>> = (0..repeat).flat_map(|_| pools.iter().cloned()).collect();
    let sizes: Vec<usize> = pools.iter().map(Vec::len).collect();
    let mut idx = vec![0; pools.len()];
    let mut done = sizes.contains(&0);
    iter_value("product", move |_| {
        if done {
            return Ok(None);
        }
        let row = Value::tuple(idx.iter().zip(&pools).map(|(&i, p)| p[i].clone()).collect());
        done = !odometer(&mut idx, &sizes);
        Ok(Some(row))
    })
}

/// The next index vector of `combinations` (strictly increasing indices below `n`).
pub(crate) fn next_combination(idx: &mut [usize], n: usize) -> bool {
    let r = idx.len();
    let Some(i) = (0..r).rev().find(|&i| idx[i] != i + n - r) else {
        return false;
    };
    idx[i] += 1;
    for j in i + 1..r {
        idx[j] = idx[j - 1] + 1;
    }
    true
}

pub(crate) fn combinations(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("combinations", 2, 2, &["iterable", "r"])?;
    let pool = collect(it, &args.pos[0])?;
    let r = r_arg(&args.pos[1])?;
    let n = pool.len();
    let mut idx: Vec<usize> = (0..r).collect();
    let mut done = r > n;
    iter_value("combinations", move |_| {
        if done {
            return Ok(None);
        }
        let row = pick(&pool, &idx);
        done = !next_combination(&mut idx, n);
        Ok(Some(row))
    })
}

/// The next index vector of `combinations_with_replacement` (non-decreasing indices).
pub(crate) fn next_multiset(idx: &mut [usize], n: usize) -> bool {
    let Some(i) = (0..idx.len()).rev().find(|&i| idx[i] != n - 1) else {
        return false;
    };
    let v = idx[i] + 1;
    for x in &mut idx[i..] {
        *x = v;
    }
    true
}

pub(crate) fn combinations_with_replacement(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("combinations_with_replacement", 2, 2, &["iterable", "r"])?;
    let pool = collect(it, &args.pos[0])?;
    let r = r_arg(&args.pos[1])?;
    let n = pool.len();
    let mut idx = vec![0; r];
    let mut done = n == 0 && r > 0;
    iter_value("combinations_with_replacement", move |_| {
        if done {
            return Ok(None);
        }
        let row = pick(&pool, &idx);
        done = !next_multiset(&mut idx, n);
        Ok(Some(row))
    })
}

/// Python's permutations state: `indices` and `cycles`; the next r-prefix, `false` at the end.
pub(crate) fn next_permutation(indices: &mut [usize], cycles: &mut [usize], r: usize) -> bool {
    let n = indices.len();
    for i in (0..r).rev() {
        cycles[i] -= 1;
        if cycles[i] == 0 {
            indices[i..].rotate_left(1);
            cycles[i] = n - i;
        } else {
            let j = cycles[i];
            indices.swap(i, n - j);
            return true;
        }
    }
    false
}

pub(crate) fn permutations(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("permutations", 1, 2, &["iterable", "r"])?;
    let pool = collect(it, &args.pos[0])?;
    let n = pool.len();
    let r = match args.get(1, "r") {
        Some(v) if !v.is_none() => r_arg(v)?,
        _ => n,
    };
    let mut indices: Vec<usize> = (0..n).collect();
    let mut cycles: Vec<usize> = (0..r.min(n)).map(|i| n - i).collect();
    let mut done = r > n;
    iter_value("permutations", move |_| {
        if done {
            return Ok(None);
        }
        let row = pick(&pool, &indices[..r]);
        done = !next_permutation(&mut indices, &mut cycles, r);
        Ok(Some(row))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_in_python_order() {
        let mut idx = vec![0, 1];
        let mut seen = vec![idx.clone()];
        while next_combination(&mut idx, 4) {
            seen.push(idx.clone());
        }
        assert_eq!(seen, vec![[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
    }

    #[test]
    fn multisets_in_python_order() {
        let mut idx = vec![0, 0];
        let mut seen = vec![idx.clone()];
        while next_multiset(&mut idx, 3) {
            seen.push(idx.clone());
        }
        assert_eq!(seen, vec![[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]);
    }

    #[test]
    fn permutations_in_python_order() {
        let (mut ind, mut cyc) = (vec![0, 1, 2], vec![3, 2]);
        let mut seen = vec![ind[..2].to_vec()];
        while next_permutation(&mut ind, &mut cyc, 2) {
            seen.push(ind[..2].to_vec());
        }
        assert_eq!(seen, vec![[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1]]);
    }

    #[test]
    fn odometer_counts() {
        let mut idx = vec![0, 0];
        let mut n = 1;
        while odometer(&mut idx, &[2, 3]) {
            n += 1;
        }
        assert_eq!(n, 6);
    }
}
