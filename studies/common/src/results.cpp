// Implements the HDF5 result file (see results.hpp) on the HDF5 C API.
#include "lowp/study/results.hpp"

#include <hdf5.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace lowp::study {

namespace {

namespace fs = std::filesystem;

// Silences HDF5's own error-stack printing once: every failure becomes a one-line file_error.
void quiet_hdf5() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

// Owns an HDF5 identifier and closes it with the right function.
class handle {
 public:
  handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~handle() {
    if (id_ >= 0) close_(id_);
  }
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  operator hid_t() const { return id_; }
  [[nodiscard]] bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void check(herr_t status, const std::string& what) {
  if (status < 0) throw file_error(what);
}

hid_t string_type() {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

void write_attr(hid_t obj, const attribute& a, const std::string& where) {
  if (H5Aexists(obj, a.name.c_str()) > 0) H5Adelete(obj, a.name.c_str());
  handle space(H5Screate(H5S_SCALAR), H5Sclose);
  const std::string err = "cannot write attribute " + a.name + " in " + where;
  if (const auto* i = std::get_if<std::int64_t>(&a.value)) {
    handle attr(H5Acreate2(obj, a.name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
    if (!attr.ok()) throw file_error(err);
    check(H5Awrite(attr, H5T_NATIVE_INT64, i), err);
  } else if (const auto* d = std::get_if<double>(&a.value)) {
    handle attr(H5Acreate2(obj, a.name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
    if (!attr.ok()) throw file_error(err);
    check(H5Awrite(attr, H5T_NATIVE_DOUBLE, d), err);
  } else {
    handle type(string_type(), H5Tclose);
    handle attr(H5Acreate2(obj, a.name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attr.ok()) throw file_error(err);
    const char* text = std::get<std::string>(a.value).c_str();
    check(H5Awrite(attr, type, &text), err);
  }
}

attr_value read_attr(hid_t attr, const std::string& name) {
  handle type(H5Aget_type(attr), H5Tclose);
  const std::string err = "cannot read attribute " + name;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: {
      std::int64_t v = 0;
      check(H5Aread(attr, H5T_NATIVE_INT64, &v), err);
      return v;
    }
    case H5T_FLOAT: {
      double v = 0;
      check(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), err);
      return v;
    }
    case H5T_STRING: {
      if (H5Tis_variable_str(type) > 0) {
        handle mem(string_type(), H5Tclose);
        char* text = nullptr;
        check(H5Aread(attr, mem, &text), err);
        std::string s = text ? text : "";
        handle space(H5Aget_space(attr), H5Sclose);
        H5Dvlen_reclaim(mem, space, H5P_DEFAULT, &text);
        return s;
      }
      const std::size_t n = H5Tget_size(type);
      std::string s(n, '\0');
      check(H5Aread(attr, type, s.data()), err);
      s.resize(std::strlen(s.c_str()));
      return s;
    }
    default:
      throw file_error("attribute " + name + " has a type lowp does not read");
  }
}

std::vector<attribute> read_attrs(hid_t obj) {
  std::vector<attribute> out;
  H5O_info_t info;
  check(H5Oget_info2(obj, &info, H5O_INFO_NUM_ATTRS), "cannot list attributes");
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    handle attr(H5Aopen_by_idx(obj, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
    if (!attr.ok()) {
      // Files without creation-order tracking: fall back to name order.
      handle by_name(H5Aopen_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose);
      if (!by_name.ok()) throw file_error("cannot open attribute");
      ssize_t len = H5Aget_name(by_name, 0, nullptr);
      std::string name(static_cast<std::size_t>(len), '\0');
      H5Aget_name(by_name, name.size() + 1, name.data());
      out.push_back({name, read_attr(by_name, name)});
      continue;
    }
    ssize_t len = H5Aget_name(attr, 0, nullptr);
    std::string name(static_cast<std::size_t>(len), '\0');
    H5Aget_name(attr, name.size() + 1, name.data());
    out.push_back({name, read_attr(attr, name)});
  }
  return out;
}

hid_t create_group(hid_t parent, const std::string& name) {
  handle plist(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_link_creation_order(plist, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(plist, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  return H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, plist, H5P_DEFAULT);
}

void write_dataset(hid_t group, const dataset& d, const std::string& where) {
  std::vector<hsize_t> dims(d.shape.begin(), d.shape.end());
  std::size_t count = 1;
  for (auto n : d.shape) count *= n;
  const bool is_double = std::holds_alternative<std::vector<double>>(d.data);
  const std::size_t size = is_double ? d.doubles().size() : d.integers().size();
  const std::string err = "cannot write dataset " + d.name + " in " + where;
  if (size != count) throw file_error(err + ": shape does not match the data");
  handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  // Large datasets are chunked and compressed (deflate level 4, with byte shuffling).
  if (count >= 4096 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    std::vector<hsize_t> chunk = dims;
    hsize_t total = 1;
    for (auto c : chunk) total *= c;
    for (std::size_t i = 0; i < chunk.size() && total > 65536; ++i) {
      while (chunk[i] > 1 && total > 65536) {
        total /= chunk[i];
        chunk[i] = (chunk[i] + 1) / 2;
        total *= chunk[i];
      }
    }
    H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 4);
  }
  handle set(H5Dcreate2(group, d.name.c_str(), is_double ? H5T_IEEE_F64LE : H5T_STD_I64LE, space,
                        H5P_DEFAULT, dcpl, H5P_DEFAULT),
             H5Dclose);
  if (!set.ok()) throw file_error(err);
  if (count > 0) {
    if (is_double)
      check(H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.doubles().data()), err);
    else
      check(H5Dwrite(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.integers().data()), err);
  }
  write_attr(set, {"units", d.units}, where + "/" + d.name);
}

dataset read_dataset(hid_t group, const std::string& name) {
  handle set(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.ok()) throw file_error("cannot open dataset " + name);
  handle space(H5Dget_space(set), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  dataset d;
  d.name = name;
  std::size_t count = 1;
  for (auto n : dims) {
    d.shape.push_back(static_cast<std::size_t>(n));
    count *= static_cast<std::size_t>(n);
  }
  handle type(H5Dget_type(set), H5Tclose);
  const std::string err = "cannot read dataset " + name;
  if (H5Tget_class(type) == H5T_FLOAT) {
    std::vector<double> v(count);
    if (count) check(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), err);
    d.data = std::move(v);
  } else if (H5Tget_class(type) == H5T_INTEGER) {
    std::vector<std::int64_t> v(count);
    if (count) check(H5Dread(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), err);
    d.data = std::move(v);
  } else {
    throw file_error("dataset " + name + " has a type lowp does not read");
  }
  for (const attribute& a : read_attrs(set))
    if (a.name == "units")
      if (const auto* s = std::get_if<std::string>(&a.value)) d.units = *s;
  return d;
}

void write_record(hid_t parent, const std::string& parent_name, const record& r) {
  const std::string where = parent_name + "/" + r.name;
  if (H5Lexists(parent, r.name.c_str(), H5P_DEFAULT) > 0) H5Ldelete(parent, r.name.c_str(), H5P_DEFAULT);
  handle g(create_group(parent, r.name), H5Gclose);
  if (!g.ok()) throw file_error("cannot create group " + where);
  for (const attribute& a : r.attrs) write_attr(g, a, where);
  for (const dataset& d : r.datasets) write_dataset(g, d, where);
}

std::vector<std::string> child_names(hid_t group) {
  std::vector<std::string> names;
  H5G_info_t info;
  check(H5Gget_info(group, &info), "cannot list a group");
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) throw file_error("cannot list a group");
    std::string name(static_cast<std::size_t>(len), '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1,
                       H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

std::map<std::string, record> read_records(hid_t file, const char* path) {
  std::map<std::string, record> out;
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0) return out;
  handle g(H5Gopen2(file, path, H5P_DEFAULT), H5Gclose);
  if (!g.ok()) throw file_error(std::string("cannot open group ") + path);
  for (const std::string& name : child_names(g)) {
    handle sub(H5Gopen2(g, name.c_str(), H5P_DEFAULT), H5Gclose);
    if (!sub.ok()) throw file_error("cannot open group " + std::string(path) + "/" + name);
    record r;
    r.name = name;
    r.attrs = read_attrs(sub);
    // Datasets in creation order where tracked, else by name.
    H5G_info_t info;
    check(H5Gget_info(sub, &info), "cannot list " + name);
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      H5_index_t index = H5_INDEX_CRT_ORDER;
      ssize_t len = H5Lget_name_by_idx(sub, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      if (len < 0) {
        index = H5_INDEX_NAME;
        len = H5Lget_name_by_idx(sub, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      }
      std::string dname(static_cast<std::size_t>(len), '\0');
      H5Lget_name_by_idx(sub, ".", index, H5_ITER_INC, i, dname.data(), dname.size() + 1, H5P_DEFAULT);
      r.datasets.push_back(read_dataset(sub, dname));
    }
    out.emplace(name, std::move(r));
  }
  return out;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

const std::vector<double>& dataset::doubles() const { return std::get<std::vector<double>>(data); }
const std::vector<std::int64_t>& dataset::integers() const {
  return std::get<std::vector<std::int64_t>>(data);
}

record& record::set(const std::string& key, attr_value v) {
  for (attribute& a : attrs)
    if (a.name == key) {
      a.value = std::move(v);
      return *this;
    }
  attrs.push_back({key, std::move(v)});
  return *this;
}

record& record::add(const std::string& key, std::vector<double> v, const std::string& units,
                    std::vector<std::size_t> shape) {
  if (shape.empty()) shape = {v.size()};
  datasets.push_back({key, std::move(shape), std::move(v), units});
  return *this;
}

record& record::add(const std::string& key, std::vector<std::int64_t> v, const std::string& units,
                    std::vector<std::size_t> shape) {
  if (shape.empty()) shape = {v.size()};
  datasets.push_back({key, std::move(shape), std::move(v), units});
  return *this;
}

const attr_value* record::find_attr(const std::string& key) const {
  for (const attribute& a : attrs)
    if (a.name == key) return &a.value;
  return nullptr;
}

const dataset* record::find_dataset(const std::string& key) const {
  for (const dataset& d : datasets)
    if (d.name == key) return &d;
  return nullptr;
}

std::int64_t record::get_int(const std::string& key) const {
  const attr_value* v = find_attr(key);
  if (!v || !std::holds_alternative<std::int64_t>(*v))
    throw std::out_of_range("run " + name + " has no integer attribute " + key);
  return std::get<std::int64_t>(*v);
}

double record::get_double(const std::string& key) const {
  const attr_value* v = find_attr(key);
  if (!v || !std::holds_alternative<double>(*v))
    throw std::out_of_range("run " + name + " has no floating-point attribute " + key);
  return std::get<double>(*v);
}

const std::string& record::get_string(const std::string& key) const {
  const attr_value* v = find_attr(key);
  if (!v || !std::holds_alternative<std::string>(*v))
    throw std::out_of_range("run " + name + " has no string attribute " + key);
  return std::get<std::string>(*v);
}

const dataset& record::get(const std::string& key) const {
  const dataset* d = find_dataset(key);
  if (!d) throw std::out_of_range("run " + name + " has no dataset " + key);
  return *d;
}

file_contents read_results(const std::string& path) {
  quiet_hdf5();
  if (!fs::exists(path)) throw file_error("cannot read " + path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw file_error("cannot read " + path + ": not an HDF5 file");
  handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw file_error("cannot open " + path);
  file_contents c;
  handle root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose);
  c.root = read_attrs(root);
  c.runs = read_records(file, "/runs");
  c.claims = read_records(file, "/claims");
  return c;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

result_writer::result_writer(std::string target, bool resume, std::string study, std::string config,
                             double checkpoint_seconds)
    : target_(std::move(target)),
      tmp_(target_ + ".tmp"),
      partial_(target_ + ".partial"),
      checkpoint_seconds_(checkpoint_seconds) {
  quiet_hdf5();
  if (target_.empty()) throw file_error("no output file given");
  if (fs::is_directory(target_)) throw file_error("cannot write " + target_ + ": it is a directory");
  // Read what --resume keeps before touching anything.
  if (resume) {
    const std::string source = fs::exists(partial_) ? partial_ : fs::exists(target_) ? target_ : "";
    if (!source.empty()) {
      file_contents old = read_results(source);
      std::string old_study, old_config;
      for (const attribute& a : old.root) {
        if (a.name == "study" && std::holds_alternative<std::string>(a.value)) old_study = std::get<std::string>(a.value);
        if (a.name == "config" && std::holds_alternative<std::string>(a.value)) old_config = std::get<std::string>(a.value);
      }
      if (old_study != study)
        throw file_error("cannot resume from " + source + ": it holds study '" + old_study + "', not '" + study + "'");
      if (old_config != config)
        throw file_error("cannot resume from " + source + ": it was made with other options (" + old_config + ")");
      resumed_ = std::move(old.runs);
    }
  }
  // Create TARGET.tmp now: an unwritable target fails here, before any work.
  {
    std::ofstream probe(tmp_, std::ios::binary | std::ios::trunc);
    if (!probe) throw file_error("cannot write " + tmp_ + ": " + errno_text());
  }
  open_tmp(true);
  set_root("study", study);
  set_root("config", config);
  set_root("complete", std::int64_t{0});
  {
    handle runs(create_group(file_, "runs"), H5Gclose);
    handle claims(create_group(file_, "claims"), H5Gclose);
    if (!runs.ok() || !claims.ok()) throw file_error("cannot write " + tmp_);
  }
  {
    handle runs(H5Gopen2(file_, "runs", H5P_DEFAULT), H5Gclose);
    for (const auto& entry : resumed_) write_record(runs, "/runs", entry.second);
  }
  last_checkpoint_ = std::chrono::steady_clock::now();
}

result_writer::~result_writer() {
  // Not committed: close TARGET.tmp; TARGET stays as it was, TARGET.partial is the checkpoint.
  if (!committed_) close_tmp();
}

void result_writer::open_tmp(bool truncate) {
  if (truncate) {
    handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    file_ = H5Fcreate(tmp_.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  } else {
    file_ = H5Fopen(tmp_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  }
  if (file_ < 0) throw file_error("cannot write " + tmp_);
}

void result_writer::close_tmp() {
  if (file_ >= 0) H5Fclose(file_);
  file_ = -1;
}

void result_writer::set_root(const std::string& key, const attr_value& v) {
  handle root(H5Gopen2(file_, "/", H5P_DEFAULT), H5Gclose);
  write_attr(root, {key, v}, tmp_);
}

void result_writer::write_run(const record& r) {
  {
    handle runs(H5Gopen2(file_, "runs", H5P_DEFAULT), H5Gclose);
    write_record(runs, "/runs", r);
  }
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_checkpoint_).count() >= checkpoint_seconds_) {
    checkpoint();
    last_checkpoint_ = now;
  }
}

void result_writer::write_claim(const record& r) {
  handle claims(H5Gopen2(file_, "claims", H5P_DEFAULT), H5Gclose);
  write_record(claims, "/claims", r);
}

void result_writer::checkpoint() {
  // Copy a closed, consistent TARGET.tmp to TARGET.partial.tmp, then rename it into place.
  close_tmp();
  const std::string staging = partial_ + ".tmp";
  std::error_code ec;
  fs::copy_file(tmp_, staging, fs::copy_options::overwrite_existing, ec);
  if (ec) throw file_error("cannot write " + staging + ": " + ec.message());
  fs::rename(staging, partial_, ec);
  if (ec) throw file_error("cannot write " + partial_ + ": " + ec.message());
  open_tmp(false);
}

void result_writer::commit() {
  set_root("complete", std::int64_t{1});
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) throw file_error("cannot write " + tmp_);
  close_tmp();
  std::error_code ec;
  fs::rename(tmp_, target_, ec);
  if (ec) throw file_error("cannot write " + target_ + ": " + ec.message());
  fs::remove(partial_, ec);
  committed_ = true;
}

}  // namespace lowp::study
