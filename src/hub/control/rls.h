// Recursive least squares with exponential forgetting: the online estimator behind the
// optimal policy's room model (docs/controller.md, "The model").
//
//   y ≈ θ·x;  on each sample:  k = P x / (λ + xᵀ P x),  θ += k (y − θ·x),  P = (P − k xᵀ P) / λ
//
// λ < 1 forgets old samples with a time constant of 1 / (1 − λ) samples, so the model follows
// a room whose load, weather or equipment changes. The initial θ and P are the prior: a small
// P entry pins a coefficient near its prior until the data say otherwise.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>

namespace coolflow::hub::control {

template <size_t N>
class Rls {
 public:
  using Vector = std::array<double, N>;

  Rls(const Vector& prior, const Vector& prior_variance, double forgetting)
      : theta_(prior), forgetting_(forgetting) {
    for (size_t i = 0; i < N; ++i)
      p_[i][i] = prior_variance[i];
  }

  double Predict(const Vector& x) const {
    double y = 0;
    for (size_t i = 0; i < N; ++i)
      y += theta_[i] * x[i];
    return y;
  }

  // Takes one sample; returns the prediction error before the update.
  double Update(const Vector& x, double y) {
    Vector px{};
    for (size_t i = 0; i < N; ++i) {
      for (size_t j = 0; j < N; ++j)
        px[i] += p_[i][j] * x[j];
    }
    double denominator = forgetting_;
    for (size_t i = 0; i < N; ++i)
      denominator += x[i] * px[i];
    const double error = y - Predict(x);
    for (size_t i = 0; i < N; ++i)
      theta_[i] += px[i] / denominator * error;
    for (size_t i = 0; i < N; ++i) {
      for (size_t j = 0; j < N; ++j) {
        p_[i][j] = (p_[i][j] - px[i] * px[j] / denominator) / forgetting_;
      }
    }
    // Keep P bounded when the regressors stop varying (no excitation): without this its
    // entries grow as λ^-n and one odd sample would throw θ far off.
    for (size_t i = 0; i < N; ++i) {
      if (p_[i][i] > kMaxVariance) {
        const double scale = kMaxVariance / p_[i][i];
        for (size_t j = 0; j < N; ++j) {
          p_[i][j] *= std::sqrt(scale);
          p_[j][i] *= std::sqrt(scale);
        }
      }
    }
    ++samples_;
    return error;
  }

  const Vector& theta() const { return theta_; }
  size_t samples() const { return samples_; }

 private:
  static constexpr double kMaxVariance = 100;
  Vector theta_;
  std::array<std::array<double, N>, N> p_{};
  double forgetting_;
  size_t samples_ = 0;
};

}  // namespace coolflow::hub::control
