#include "store/store.h"

namespace coolflow::store {

std::string SeriesId::ToString() const {
  std::string text = measurement;
  for (const reading::Tag& tag : tags) {
    text += ',';
    text += tag.key;
    text += '=';
    text += tag.value;
  }
  text += ' ';
  text += field;
  return text;
}

}  // namespace coolflow::store
